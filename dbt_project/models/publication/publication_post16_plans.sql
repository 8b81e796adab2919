{# Plans per cycle and area, with small numbers withheld; a share also needs its group's
   students interviewed shown. #}
with plans as (
    select * from {{ ref('post16_plan_mix') }}
)

select
    {{ published_area_columns('plans') }},
    plans.cycle,
    plans.post16_plan,
    case when not plan.suppressed then plans.students end as students,
    case when not (plan.suppressed or interviewed.suppressed) then plans.pct end as pct,
    plan.suppressed or interviewed.suppressed as suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from plans
{{ join_area('plans') }}
{{ join_cell('plan', 'plan', 'plans', category='plans.post16_plan') }}
{{ join_cell('interviewed', 'interviewed', 'plans') }}
