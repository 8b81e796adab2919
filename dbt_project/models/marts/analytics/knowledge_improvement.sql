{# First -> latest cycle knowledge per area, over students assessed in that area in both; each
   student counts in the area of their school at the latest cycle. The `all` row averages the
   areas' improvements (contract section 6). #}
with placed as (
    select * from {{ ref('int_knowledge_first_and_latest') }}
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
        avg(first_score) as mean_first,
        avg(latest_score) as mean_latest,
        100 * (avg(latest_score) - avg(first_score)) / nullif(avg(first_score), 0)
            as pct_improvement
    from by_area
    group by cohort, {{ area_columns() }}, knowledge_area, first_cycle, latest_cycle
),

all_areas as (
    select
        per_knowledge_area.cohort,
        {{ area_columns() }},
        'all' as knowledge_area,
        first_cycle,
        latest_cycle,
        students.matched_students,
        avg(mean_first) as mean_first,
        avg(mean_latest) as mean_latest,
        avg(pct_improvement) as pct_improvement
    from per_knowledge_area
    inner join (
        select cohort, area_level, area_code, count(distinct student_key) as matched_students
        from by_area
        group by cohort, area_level, area_code
    ) as students using (cohort, area_level, area_code)
    group by
        per_knowledge_area.cohort, {{ area_columns() }}, first_cycle, latest_cycle,
        students.matched_students
)

select
    cohort,
    {{ area_columns() }},
    knowledge_area,
    first_cycle,
    latest_cycle,
    matched_students,
    round(mean_first::numeric, 2) as mean_first,
    round(mean_latest::numeric, 2) as mean_latest,
    round(pct_improvement::numeric, 1) as pct_improvement
from (
    select * from per_knowledge_area
    union all
    select * from all_areas
) as improvements
