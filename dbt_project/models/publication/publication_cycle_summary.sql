{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['cohort', 'cycle'],
    )
}}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# The headline figures per cohort, cycle and area, with small numbers withheld. #}
with progress as (
    select * from {{ ref('cohort_progress') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle']) }} as cell_id,
        students_interviewed as n,
        {{ is_small('students_interviewed') }} as is_primary,
        progress.*
    from progress
),

lines as (
    {{ area_hierarchy_lines('cells', ['cohort', 'cycle']) }}
),

{{ secondary_suppression() }}

select
    cells.cohort,
    cells.area_level,
    cells.area_code,
    cells.cycle,
    case when not suppression.suppressed then cells.students_interviewed end
        as students_interviewed,
    case when not suppression.suppressed then cells.pct_no_vision end as pct_no_vision,
    case when not suppression.suppressed then cells.pct_with_post16_plan end
        as pct_with_post16_plan,
    case when not suppression.suppressed then cells.pct_predicted_eet end as pct_predicted_eet,
    case when not suppression.suppressed then cells.mean_knowledge end as mean_knowledge,
    suppression.suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from cells
inner join suppression using (cell_id)
