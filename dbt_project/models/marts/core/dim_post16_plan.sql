select
    code as post16_plan,
    label,
    is_plan
from {{ ref('post16_plans') }}
