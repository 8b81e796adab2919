{{ per_cycle_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Students by post-16 plan per cycle and area; every plan appears, with 0 where nobody chose it. #}
with interviews as (
    select * from {{ ref('fct_interview') }} as interviews
    {{ only_changed_cycles('interviews') }}
),

by_school as (
    {{ school_counts('interviews', ['post16_plan']) }}
),

by_area as (
    {{ expand_area_levels('by_school') }}
),

{{ shares_within_groups(
    'by_area', ['cohort', 'area_level', 'area_code', 'cycle'],
    'post16_plan', ref('dim_post16_plan'), 'post16_plan', 'students_interviewed',
    weight='students') }}

select
    cohort,
    area_level,
    area_code,
    parent_area_level,
    parent_area_code,
    cycle,
    post16_plan,
    is_plan,
    students_interviewed,
    students,
    pct,
    {{ loads_watermark() }} as built_from_loads_until
from shares
