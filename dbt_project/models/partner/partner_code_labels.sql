{{ config(alias='code_labels') }}
{#
    Published to partners: what every code means in the partner views, so a partner reading
    with their own login can decode `fe_college` or `841` without the `reference` schema.
    code_list names the partner views' column the code is in. The comparison bases' meanings are
    the ones pathways/deliver/estimate.py gives readers (a test keeps them equal).
#}
with labels as (
    select
        'area_level' as code_list,
        levels.code,
        levels.meaning
    from (
        values
        ('region', 'All programme schools'),
        ('lep_area', 'LEP area'),
        ('local_authority', 'Local authority'),
        ('school', 'School')
    ) as levels (code, meaning)
    union all
    select
        'lep_area' as code_list,
        lep_areas.code,
        lep_areas.name as meaning
    from {{ ref('lep_areas') }} as lep_areas
    union all
    select
        'local_authority' as code_list,
        authorities.la_code as code,
        authorities.name as meaning
    from {{ ref('local_authorities') }} as authorities
    union all
    select
        'cycle' as code_list,
        cycles.cycle::text as code,
        cycles.label as meaning
    from {{ ref('cycles') }} as cycles
    union all
    select
        'sector' as code_list,
        sectors.code,
        sectors.label as meaning
    from {{ ref('sectors') }} as sectors
    union all
    select
        'post16_plan' as code_list,
        post16.code,
        post16.label as meaning
    from {{ ref('post16_plans') }} as post16
    union all
    select
        'knowledge_area' as code_list,
        areas.code,
        areas.label as meaning
    from {{ ref('knowledge_areas') }} as areas
    union all
    select
        'gender' as code_list,
        genders.code,
        genders.label as meaning
    from {{ ref('code_labels') }} as genders
    where genders.code_list = 'gender'
    union all
    select
        totals.code_list,
        'all' as code,
        totals.meaning
    from (
        values
        ('gender', 'All genders'),
        ('knowledge_area', 'All knowledge areas')
    ) as totals (code_list, meaning)
    union all
    select
        'comparison_basis' as code_list,
        bases.code,
        bases.meaning
    from (
        values
        ('at_risk', 'At risk of NEET, not on the programme (like for like)'),
        ('sen_adjusted', 'Same SEN status (not like for like)'),
        ('all_young_people', 'All young people (not like for like)')
    ) as bases (code, meaning)
)

select
    labels.code_list::text as code_list,
    labels.code::text as code,
    labels.meaning::text as meaning
from labels
