{# A view, not a table: the gate writes its results after dbt has built, so a table would
   always show the run before. For the data-quality dashboard. #}
{{ config(materialized='view') }}

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
from {{ ref('stg_quality__check_results') }}
