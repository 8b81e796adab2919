{# A view, not a table: the gate decides after dbt has built (quality_check_results). #}
{{ config(materialized='view') }}

select * from {{ ref('stg_quality__gate_decisions') }}
