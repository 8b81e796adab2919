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

released_withheld as (
    select * from {{ ref('stg_disclosure__released_withheld') }}
),

interviewed_cells as (
    select
        'interviewed' as family,
        cohort,
        cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        '-' as breakdown,
        '-' as category,
        students_interviewed as n,
        students_interviewed as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        null as gender_family,
        null as gender_category
    from progress
),

predicted_cells as (
    select
        'predicted' as family,
        progress.cohort,
        progress.cycle,
        progress.area_level,
        progress.area_code,
        progress.parent_area_level,
        progress.parent_area_code,
        '-' as breakdown,
        destination.category,
        destination.n,
        progress.students_interviewed as group_n,
        'interviewed' as group_family,
        '-' as group_breakdown,
        '-' as group_category,
        null as gender_family,
        null as gender_category
    from progress
    cross join lateral (
        values
        ('eet', progress.students_predicted_eet),
        ('not_eet', progress.students_interviewed - progress.students_predicted_eet)
    ) as destination (category, n)
),

plan_cells as (
    select
        'plan' as family,
        cohort,
        cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        '-' as breakdown,
        post16_plan as category,
        students as n,
        students_interviewed as group_n,
        'interviewed' as group_family,
        '-' as group_breakdown,
        '-' as group_category,
        null as gender_family,
        null as gender_category
    from plans
),

sector_cells as (
    select
        'sector' as family,
        cohort,
        cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        gender as breakdown,
        sector as category,
        students as n,
        students_in_group as group_n,
        case when gender = 'all' then 'interviewed' else 'sector' end as group_family,
        case when gender = 'all' then '-' else gender end as group_breakdown,
        case when gender = 'all' then '-' else 'total' end as group_category,
        case when gender <> 'all' then 'sector' end as gender_family,
        case when gender <> 'all' then sector end as gender_category
    from interest
),

sector_total_cells as (
    -- A gender's students, the total its sectors add up to (region and LEP-area rows).
    select distinct
        'sector' as family,
        cohort,
        cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        gender as breakdown,
        'total' as category,
        students_in_group as n,
        students_in_group as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        'interviewed' as gender_family,
        '-' as gender_category
    from interest
    where gender <> 'all'
),

assessed_cells as (
    select
        'assessed' as family,
        knowledge.cohort,
        knowledge.cycle,
        knowledge.area_level,
        knowledge.area_code,
        knowledge.parent_area_level,
        knowledge.parent_area_code,
        '-' as breakdown,
        knowledge.knowledge_area as category,
        knowledge.students_assessed as n,
        progress.students_interviewed as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        null as gender_family,
        null as gender_category
    from knowledge
    inner join progress
        on knowledge.cohort = progress.cohort
        and knowledge.cycle = progress.cycle
        and knowledge.area_level = progress.area_level
        and knowledge.area_code = progress.area_code
),

matched_cells as (
    select
        'matched' as family,
        by_area.cohort,
        null::integer as cycle,
        by_area.area_level,
        by_area.area_code,
        by_area.parent_area_level,
        by_area.parent_area_code,
        '-' as breakdown,
        by_area.knowledge_area as category,
        by_area.matched_students as n,
        any_area.matched_students as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        null as gender_family,
        null as gender_category
    from improvement as by_area
    inner join improvement as any_area
        on by_area.cohort = any_area.cohort
        and by_area.area_level = any_area.area_level
        and by_area.area_code = any_area.area_code
        and any_area.knowledge_area = 'all'
),

tracked_cells as (
    -- Destinations (section 8): whole-cohort cells. The tracked students are a total of their
    -- own; November's four groups, sustained or not and predicted EET or not at the last
    -- interview each add up to it (`other` is never shown, but it is what the rest leave).
    select
        'tracked' as family,
        cohort,
        null::integer as cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        '-' as breakdown,
        '-' as category,
        students_tracked as n,
        students_tracked as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        null as gender_family,
        null as gender_category
    from destinations
),

destination_cells as (
    select
        destination.family,
        destinations.cohort,
        null::integer as cycle,
        destinations.area_level,
        destinations.area_code,
        destinations.parent_area_level,
        destinations.parent_area_code,
        '-' as breakdown,
        destination.category,
        destination.n,
        destinations.students_tracked as group_n,
        'tracked' as group_family,
        '-' as group_breakdown,
        '-' as group_category,
        null as gender_family,
        null as gender_category
    from destinations
    cross join lateral (
        values
        ('november', 'eet', destinations.students_eet),
        ('november', 'neet', destinations.students_neet),
        ('november', 'not_known', destinations.students_not_known),
        ('november', 'other', destinations.students_other),
        ('sustained', 'sustained', destinations.students_sustained_eet),
        (
            'sustained', 'not_sustained',
            destinations.students_tracked - destinations.students_sustained_eet
        ),
        ('predicted_last', 'eet', destinations.students_predicted_eet_last_interview),
        (
            'predicted_last', 'not_eet',
            destinations.students_tracked - destinations.students_predicted_eet_last_interview
        )
    ) as destination (family, category, n)
),

held_base_cells as (
    -- Prediction held or not adds up to the students whose prediction could be compared.
    select
        'held_base' as family,
        cohort,
        null::integer as cycle,
        area_level,
        area_code,
        parent_area_level,
        parent_area_code,
        '-' as breakdown,
        '-' as category,
        students_prediction_comparable as n,
        students_prediction_comparable as group_n,
        null as group_family,
        null as group_breakdown,
        null as group_category,
        null as gender_family,
        null as gender_category
    from destinations
),

held_cells as (
    select
        'held' as family,
        destinations.cohort,
        null::integer as cycle,
        destinations.area_level,
        destinations.area_code,
        destinations.parent_area_level,
        destinations.parent_area_code,
        '-' as breakdown,
        held.category,
        held.n,
        destinations.students_prediction_comparable as group_n,
        'held_base' as group_family,
        '-' as group_breakdown,
        '-' as group_category,
        null as gender_family,
        null as gender_category
    from destinations
    cross join lateral (
        values
        ('held', destinations.students_prediction_held),
        (
            'not_held',
            destinations.students_prediction_comparable - destinations.students_prediction_held
        )
    ) as held (category, n)
),

survey_cells as (
    -- The follow-up survey (contract 1.2): surveyed or not adds up to the tracked students,
    -- happy or not to the surveyed ones. Only for cohorts with a survey file.
    select
        survey.family,
        destinations.cohort,
        null::integer as cycle,
        destinations.area_level,
        destinations.area_code,
        destinations.parent_area_level,
        destinations.parent_area_code,
        '-' as breakdown,
        survey.category,
        survey.n,
        survey.group_n,
        survey.group_family,
        '-' as group_breakdown,
        survey.group_category,
        null as gender_family,
        null as gender_category
    from destinations
    cross join
        lateral (
            values
            (
                'survey', 'surveyed', destinations.students_surveyed,
                destinations.students_tracked, 'tracked', '-'
            ),
            (
                'survey',
                'not_surveyed',
                destinations.students_tracked - destinations.students_surveyed,
                destinations.students_tracked, 'tracked', '-'
            ),
            (
                'happy', 'happy', destinations.students_happy,
                destinations.students_surveyed, 'survey', 'surveyed'
            ),
            (
                'happy', 'not_happy', destinations.students_surveyed - destinations.students_happy,
                destinations.students_surveyed, 'survey', 'surveyed'
            )
        ) as survey (family, category, n, group_n, group_family, group_category)
    where destinations.students_surveyed is not null
),

counts as (
    select * from interviewed_cells
    union all
    select * from predicted_cells
    union all
    select * from plan_cells
    union all
    select * from sector_cells
    union all
    select * from sector_total_cells
    union all
    select * from assessed_cells
    union all
    select * from matched_cells
    union all
    select * from tracked_cells
    union all
    select * from destination_cells
    union all
    select * from held_base_cells
    union all
    select * from held_cells
    union all
    select * from survey_cells
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
    case
        when cells.parent_area_level is not null
            then {{ disclosure_cell_id(
                'family', 'cohort', 'cycle', 'parent_area_level', 'parent_area_code',
                'breakdown', 'category'
            ) }}
    end as parent_cell_id,
    case
        when cells.group_family is not null
            then {{ disclosure_cell_id(
                'group_family', 'cohort', 'cycle', 'area_level', 'area_code',
                'group_breakdown', 'group_category'
            ) }}
    end as group_cell_id,
    case
        when cells.gender_family = 'interviewed'
            then {{ disclosure_cell_id(
                "'interviewed'", 'cohort', 'cycle', 'area_level', 'area_code'
            ) }}
        when cells.gender_family is not null
            then {{ disclosure_cell_id(
                "'sector'", 'cohort', 'cycle', 'area_level', 'area_code',
                "'all'", 'gender_category'
            ) }}
    end as gender_cell_id,
    cells.family,
    cells.cohort,
    cells.cycle,
    cells.area_level,
    cells.area_code,
    cells.breakdown,
    cells.category,
    cells.n,
    cells.group_n,
    cells.n between 1 and {{ threshold }} - 1 or cells.group_n < {{ threshold }}
    or cells.cell_id in (select forced.cell_id from forced)
    or cells.cell_id in (select released_withheld.cell_id from released_withheld) as is_primary
from cells
