with source as (
    select * from {{ source('quality', 'gate_decision') }}
)

select
    verification_id,
    decided_at,
    data_as_of,
    cohort,
    cycle,
    checks,
    failed,
    warned,
    published
from source
