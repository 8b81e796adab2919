with source as (
    select * from {{ source('disclosure', 'forced_withheld') }}
)

select
    cell_id,
    audit_round
from source
