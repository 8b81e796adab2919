{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['cohort', 'cycle'],
    )
}}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Sector interest per cycle, area and gender. Three kinds of line add up: the sectors of a
   (area, gender) group to the group's students; the genders F, M and U of a sector to `all`;
   and the areas to the area they sit in. #}
{% set group_keys = ['cohort', 'area_level', 'area_code', 'cycle', 'gender'] %}
with interest as (
    select * from {{ ref('sector_interest') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    {{ category_cells('interest', group_keys, 'sector', 'students_in_group') }}
),

lines as (
    {{ group_total_lines('cells', group_keys, 'sector') }}
    union all
    select
        {{ cell_id(["'gender'", 'cohort', 'area_level', 'area_code', 'cycle', 'sector']) }}
            as line_id,
        cell_id,
        gender = 'all' as is_total
    from cells
    union all
    {{ area_hierarchy_lines('cells', ['cohort', 'cycle', 'gender', 'sector']) }}
),

{{ secondary_suppression() }}

{{ withheld_shares('interest', group_keys, 'sector') }}
