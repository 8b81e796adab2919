{# Students by post-16 plan per cycle and area; every plan appears, with 0 where nobody chose it. #}
with interviews as (
    select * from {{ ref('fct_interview') }}
),

by_area as (
    {{ expand_area_levels('interviews') }}
),

groups as (
    select cohort, {{ area_columns() }}, cycle, count(*) as students_interviewed
    from by_area
    group by cohort, {{ area_columns() }}, cycle
),

counts as (
    select cohort, area_level, area_code, cycle, post16_plan, count(*) as students
    from by_area
    group by cohort, area_level, area_code, cycle, post16_plan
)

select
    groups.cohort,
    groups.area_level,
    groups.area_code,
    groups.parent_area_level,
    groups.parent_area_code,
    groups.cycle,
    plans.post16_plan,
    plans.is_plan,
    groups.students_interviewed,
    coalesce(counts.students, 0) as students,
    {{ pct('coalesce(counts.students, 0)', 'groups.students_interviewed') }} as pct
from groups
cross join {{ ref('dim_post16_plan') }} as plans
left join counts
    on counts.cohort = groups.cohort
    and counts.area_level = groups.area_level
    and counts.area_code = groups.area_code
    and counts.cycle = groups.cycle
    and counts.post16_plan = plans.post16_plan
