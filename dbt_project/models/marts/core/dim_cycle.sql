with cohorts as (
    select distinct cohort from {{ ref('stg_raw__schools') }}
)

select
    cohorts.cohort * 10 + cycles.cycle as cycle_key,
    cohorts.cohort,
    cycles.cycle,
    cycles.year_group,
    cycles.label,
    (make_date(cohorts.cohort, 9, 1) + make_interval(months => cycles.target_month_offset))::date
        as target_month
from cohorts
cross join {{ ref('cycles') }} as cycles
