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
with interest as (
    select * from {{ ref('sector_interest') }} as mart
    {{ only_changed_cycles('mart') }}
),

cells as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle', 'gender', 'sector']) }}
            as cell_id,
        students as n,
        {{ is_small('students') }}
            or students_in_group < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        cohort,
        cycle,
        gender,
        sector
    from interest
    union all
    select distinct
        {{ cell_id(['cohort', 'area_level', 'area_code', 'cycle', 'gender', "'total'"]) }}
            as cell_id,
        students_in_group as n,
        students_in_group < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        cohort,
        cycle,
        gender,
        'total' as sector
    from interest
),

lines as (
    select
        {{ cell_id(["'group'", 'cohort', 'area_level', 'area_code', 'cycle', 'gender']) }}
            as line_id,
        cell_id,
        sector = 'total' as is_total
    from cells
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

select
    interest.cohort,
    interest.area_level,
    interest.area_code,
    interest.cycle,
    interest.gender,
    interest.sector,
    case when not cell.suppressed then interest.students end as students,
    case when not (cell.suppressed or total.suppressed) then interest.pct end as pct,
    cell.suppressed or total.suppressed as suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from interest
inner join suppression as cell
    on cell.cell_id = {{ cell_id(['interest.cohort', 'interest.area_level', 'interest.area_code',
                                 'interest.cycle', 'interest.gender', 'interest.sector']) }}
inner join suppression as total
    on total.cell_id = {{ cell_id(['interest.cohort', 'interest.area_level',
                                  'interest.area_code', 'interest.cycle', 'interest.gender',
                                  "'total'"]) }}
