{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['cohort', 'cycle'],
    )
}}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
with knowledge as (
    select * from {{ ref('knowledge_by_area') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle', 'knowledge_area']) }}
            as cell_id,
        students_assessed as n,
        {{ is_small('students_assessed') }} as is_primary,
        knowledge.*
    from knowledge
),

lines as (
    {{ area_hierarchy_lines('cells', ['cohort', 'cycle', 'knowledge_area']) }}
),

{{ secondary_suppression() }}

select
    cells.cohort,
    cells.area_level,
    cells.area_code,
    cells.cycle,
    cells.knowledge_area,
    case when not suppression.suppressed then cells.students_assessed end as students_assessed,
    case when not suppression.suppressed then cells.mean_score end as mean_score,
    suppression.suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from cells
inner join suppression using (cell_id)
