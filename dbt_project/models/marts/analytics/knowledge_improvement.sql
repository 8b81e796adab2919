{# First -> latest improvement per area of knowledge, over students assessed in that area in both
   cycles; each student counts in the area of their school at the latest cycle. Computed from
   whole-number sums: 100 x (sum latest - sum first) / sum first over the matched students
   equals the contract's 100 x (mean_latest - mean_first) / mean_first exactly. The `all` row
   averages the areas' exact improvements (and their means), then rounds once. Rebuilt per
   changed cohort. #}
{{ per_cohort_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
with placed as (
    select * from {{ ref('int_knowledge_first_and_latest') }}
    {{ only_changed_cohorts() }}
),

by_area as (
    {{ expand_area_levels('placed') }}
),

per_knowledge_area as (
    select
        cohort,
        {{ area_columns() }},
        knowledge_area,
        first_cycle,
        latest_cycle,
        count(*) as matched_students,
        sum(first_score) as sum_first,
        sum(latest_score) as sum_latest
    from by_area
    group by cohort, {{ area_columns() }}, knowledge_area, first_cycle, latest_cycle
),

matched_in_any_area as (
    select
        cohort,
        area_level,
        area_code,
        count(distinct student_key) as matched_students
    from by_area
    group by cohort, area_level, area_code
),

all_areas as (
    select
        per_knowledge_area.cohort,
        {{ area_columns('per_knowledge_area') }},
        per_knowledge_area.first_cycle,
        per_knowledge_area.latest_cycle,
        matched_in_any_area.matched_students,
        avg({{ exact_quotient(
            'per_knowledge_area.sum_first', 'per_knowledge_area.matched_students'
        ) }}) as exact_mean_first,
        avg({{ exact_quotient(
            'per_knowledge_area.sum_latest', 'per_knowledge_area.matched_students'
        ) }}) as exact_mean_latest,
        avg({{ exact_quotient(
            '100 * (per_knowledge_area.sum_latest - per_knowledge_area.sum_first)',
            'per_knowledge_area.sum_first'
        ) }}) as exact_pct_improvement
    from per_knowledge_area
    inner join matched_in_any_area
        on per_knowledge_area.cohort = matched_in_any_area.cohort
        and per_knowledge_area.area_level = matched_in_any_area.area_level
        and per_knowledge_area.area_code = matched_in_any_area.area_code
    group by
        per_knowledge_area.cohort, {{ area_columns('per_knowledge_area') }},
        per_knowledge_area.first_cycle, per_knowledge_area.latest_cycle,
        matched_in_any_area.matched_students
)

select
    cohort,
    {{ area_columns() }},
    knowledge_area,
    first_cycle,
    latest_cycle,
    matched_students,
    {{ ratio('sum_first', 'matched_students') }} as mean_first,
    {{ ratio('sum_latest', 'matched_students') }} as mean_latest,
    {{ pct('sum_latest - sum_first', 'sum_first') }} as pct_improvement,
    {{ loads_watermark() }} as built_from_loads_until
from per_knowledge_area
union all
select
    cohort,
    {{ area_columns() }},
    'all' as knowledge_area,
    first_cycle,
    latest_cycle,
    matched_students,
    round(exact_mean_first, 2) as mean_first,
    round(exact_mean_latest, 2) as mean_latest,
    round(exact_pct_improvement, 1) as pct_improvement,
    {{ loads_watermark() }} as built_from_loads_until
from all_areas
