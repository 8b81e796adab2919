{# A view, not a table: the gate decides after dbt has built (quality_check_results). #}
{{ config(materialized='view') }}

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
from {{ ref('stg_quality__gate_decisions') }}
