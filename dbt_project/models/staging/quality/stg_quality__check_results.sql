with source as (
    select * from {{ source('quality', 'check_result') }}
)

select
    verification_id,
    verified_at,
    data_as_of,
    cohort,
    cycle,
    layer,
    contract,
    dataset,
    column_name,
    check_name,
    check_type,
    outcome,
    measured_value,
    threshold
from source
