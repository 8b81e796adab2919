{# A view, not a table: the gate writes its results after dbt has built, so a table would
   always show the run before. For the data-quality dashboard. #}
{{ config(materialized='view') }}

select * from {{ ref('stg_quality__check_results') }}
