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
with plans as (
    select * from {{ ref('post16_plan_mix') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle', 'post16_plan']) }} as cell_id,
        students as n,
        {{ is_small('students') }}
            or students_interviewed < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        cohort,
        cycle,
        post16_plan
    from plans
    union all
    select distinct
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle', "'total'"]) }} as cell_id,
        students_interviewed as n,
        students_interviewed < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        cohort,
        cycle,
        'total' as post16_plan
    from plans
),

lines as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle']) }} as line_id,
        cell_id,
        post16_plan = 'total' as is_total
    from cells
    union all
    {{ area_hierarchy_lines('cells', ['cohort', 'cycle', 'post16_plan']) }}
),

{{ secondary_suppression() }}

select
    plans.cohort,
    plans.area_level,
    plans.area_code,
    plans.cycle,
    plans.post16_plan,
    case when not cell.suppressed then plans.students end as students,
    case when not (cell.suppressed or total.suppressed) then plans.pct end as pct,
    cell.suppressed or total.suppressed as suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from plans
inner join suppression as cell
    on cell.cell_id = {{ cell_id(['plans.cohort', 'plans.area_level', 'plans.area_code',
                                 'plans.cycle', 'plans.post16_plan']) }}
inner join suppression as total
    on total.cell_id = {{ cell_id(['plans.cohort', 'plans.area_level', 'plans.area_code',
                                  'plans.cycle', "'total'"]) }}
