{# Every count the partner views publish, or let a reader work out from a percentage, as one
   cell shared by all views (macros/suppression.sql explains cells and lines). Each cell names
   the cells it adds up to: its parent area's cell (same family and category), its group's
   total (the categories of an area add up to its students interviewed; a gender's sectors to
   that gender's students) and, for sectors by gender, the `all` cell the genders add up to. #}
{% set threshold = var('suppression_threshold') %}
with progress as (
    select * from {{ ref('cohort_progress') }}
),

plans as (
    select * from {{ ref('post16_plan_mix') }}
),

interest as (
    -- By gender only on region and LEP-area rows (contract 1.1, section 7).
    select * from {{ ref('sector_interest') }}
    where gender = 'all' or area_level in ('region', 'lep_area')
),

knowledge as (
    select * from {{ ref('knowledge_by_area') }}
),

improvement as (
    select * from {{ ref('knowledge_improvement') }}
),

destinations as (
    select * from {{ ref('destination_summary') }}
),

forced as (
    select * from {{ ref('stg_disclosure__forced_withheld') }}
),

counts as (
    select
        'interviewed' as family, cohort, cycle, area_level, area_code, parent_area_level,
        parent_area_code, '-' as breakdown, '-' as category,
        students_interviewed as n, students_interviewed as group_n,
        null as group_family, null as group_breakdown, null as group_category,
        null as gender_family, null as gender_category
    from progress
    union all
    select
        'predicted', cohort, cycle, area_level, area_code, parent_area_level, parent_area_code,
        '-', destination.category, destination.n, students_interviewed,
        'interviewed', '-', '-', null, null
    from progress
    cross join lateral (
        values
            ('eet', students_predicted_eet),
            ('not_eet', students_interviewed - students_predicted_eet)
    ) as destination (category, n)
    union all
    select
        'plan', cohort, cycle, area_level, area_code, parent_area_level, parent_area_code,
        '-', post16_plan, students, students_interviewed,
        'interviewed', '-', '-', null, null
    from plans
    union all
    select
        'sector', cohort, cycle, area_level, area_code, parent_area_level, parent_area_code,
        gender, sector, students, students_in_group,
        case when gender = 'all' then 'interviewed' else 'sector' end,
        case when gender = 'all' then '-' else gender end,
        case when gender = 'all' then '-' else 'total' end,
        case when gender <> 'all' then 'sector' end,
        case when gender <> 'all' then sector end
    from interest
    union all
    select distinct
        'sector', cohort, cycle, area_level, area_code, parent_area_level, parent_area_code,
        gender, 'total', students_in_group, students_in_group,
        null, null, null, 'interviewed', '-'
    from interest
    where gender <> 'all'
    union all
    select
        'assessed', knowledge.cohort, knowledge.cycle, knowledge.area_level,
        knowledge.area_code, knowledge.parent_area_level, knowledge.parent_area_code,
        '-', knowledge.knowledge_area, knowledge.students_assessed,
        progress.students_interviewed,
        null, null, null, null, null
    from knowledge
    inner join progress
        on progress.cohort = knowledge.cohort
        and progress.cycle = knowledge.cycle
        and progress.area_level = knowledge.area_level
        and progress.area_code = knowledge.area_code
    union all
    select
        'matched', by_area.cohort, null, by_area.area_level, by_area.area_code,
        by_area.parent_area_level, by_area.parent_area_code,
        '-', by_area.knowledge_area, by_area.matched_students, any_area.matched_students,
        null, null, null, null, null
    from improvement as by_area
    inner join improvement as any_area
        on any_area.cohort = by_area.cohort
        and any_area.area_level = by_area.area_level
        and any_area.area_code = by_area.area_code
        and any_area.knowledge_area = 'all'
    union all
    -- Destinations (section 8): whole-cohort cells. The tracked students are a total of their
    -- own; November's four groups, sustained or not and predicted EET or not at the last
    -- interview each add up to it (`other` is never shown, but it is what the rest leave).
    -- Prediction held or not adds up to the students whose prediction could be compared.
    select
        'tracked', cohort, null, area_level, area_code, parent_area_level, parent_area_code,
        '-', '-', students_tracked, students_tracked, null, null, null, null, null
    from destinations
    union all
    select
        destination.family, cohort, null, area_level, area_code, parent_area_level,
        parent_area_code, '-', destination.category, destination.n, students_tracked,
        'tracked', '-', '-', null, null
    from destinations
    cross join lateral (
        values
            ('november', 'eet', students_eet),
            ('november', 'neet', students_neet),
            ('november', 'not_known', students_not_known),
            ('november', 'other', students_other),
            ('sustained', 'sustained', students_sustained_eet),
            ('sustained', 'not_sustained', students_tracked - students_sustained_eet),
            ('predicted_last', 'eet', students_predicted_eet_last_interview),
            ('predicted_last', 'not_eet',
                students_tracked - students_predicted_eet_last_interview)
    ) as destination (family, category, n)
    union all
    select
        'held_base', cohort, null, area_level, area_code, parent_area_level, parent_area_code,
        '-', '-', students_prediction_comparable, students_prediction_comparable,
        null, null, null, null, null
    from destinations
    union all
    select
        'held', cohort, null, area_level, area_code, parent_area_level, parent_area_code,
        '-', held.category, held.n, students_prediction_comparable,
        'held_base', '-', '-', null, null
    from destinations
    cross join lateral (
        values
            ('held', students_prediction_held),
            ('not_held', students_prediction_comparable - students_prediction_held)
    ) as held (category, n)
),

cells as (
    select
        {{ disclosure_cell_id('family', 'cohort', 'cycle', 'area_level', 'area_code',
            'breakdown', 'category') }} as cell_id,
        *
    from counts
)

select
    cells.cell_id,
    case when parent_area_level is not null then
        {{ disclosure_cell_id('family', 'cohort', 'cycle', 'parent_area_level',
            'parent_area_code', 'breakdown', 'category') }}
    end as parent_cell_id,
    case when group_family is not null then
        {{ disclosure_cell_id('group_family', 'cohort', 'cycle', 'area_level', 'area_code',
            'group_breakdown', 'group_category') }}
    end as group_cell_id,
    case when gender_family = 'interviewed' then
        {{ disclosure_cell_id("'interviewed'", 'cohort', 'cycle', 'area_level', 'area_code') }}
    when gender_family is not null then
        {{ disclosure_cell_id("'sector'", 'cohort', 'cycle', 'area_level', 'area_code',
            "'all'", 'gender_category') }}
    end as gender_cell_id,
    family,
    cohort,
    cycle,
    area_level,
    area_code,
    breakdown,
    category,
    n,
    group_n,
    n between 1 and {{ threshold }} - 1 or group_n < {{ threshold }}
    or cells.cell_id in (select forced.cell_id from forced) as is_primary
from cells
