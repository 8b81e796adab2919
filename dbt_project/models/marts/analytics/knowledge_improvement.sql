{# First -> latest cycle knowledge per area, over students assessed in that area in both; each
   student counts in the area of their school at the latest cycle. The `all` row averages the
   areas' improvements (contract section 6). #}
with bounds as (
    select cohort, min(cycle) as first_cycle, max(cycle) as latest_cycle
    from {{ ref('fct_interview') }}
    group by cohort
),

matched as (
    select
        bounds.cohort,
        bounds.first_cycle,
        bounds.latest_cycle,
        first_scores.student_key,
        first_scores.knowledge_area,
        first_scores.score as first_score,
        latest_scores.score as latest_score
    from bounds
    inner join {{ ref('fct_knowledge_score') }} as first_scores
        on first_scores.cohort = bounds.cohort and first_scores.cycle = bounds.first_cycle
    inner join {{ ref('fct_knowledge_score') }} as latest_scores
        on latest_scores.cohort = bounds.cohort
        and latest_scores.cycle = bounds.latest_cycle
        and latest_scores.student_key = first_scores.student_key
        and latest_scores.knowledge_area = first_scores.knowledge_area
    where bounds.latest_cycle > bounds.first_cycle
),

placed as (
    select matched.*, interviews.lep_area, interviews.la_code, interviews.school_urn
    from matched
    inner join {{ ref('fct_interview') }} as interviews
        on interviews.cohort = matched.cohort
        and interviews.cycle = matched.latest_cycle
        and interviews.student_key = matched.student_key
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
