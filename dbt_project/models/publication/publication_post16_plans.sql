{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['cohort', 'cycle'],
    )
}}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Plans per cycle and area. The plans of a group add up to its students interviewed (published
   in cycle_summary), so that total is a cell of each group's line too. #}
{% set group_keys = ['cohort', 'area_level', 'area_code', 'cycle'] %}
with plans as (
    select * from {{ ref('post16_plan_mix') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    {{ category_cells('plans', group_keys, 'post16_plan', 'students_interviewed') }}
),

lines as (
    {{ group_total_lines('cells', group_keys, 'post16_plan') }}
    union all
    {{ area_hierarchy_lines('cells', ['cohort', 'cycle', 'post16_plan']) }}
),

{{ secondary_suppression() }}

{{ withheld_shares('plans', group_keys, 'post16_plan') }}
