{{ per_cycle_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Students by preferred sector per cycle, area and gender (`all` and each roster gender); every
   sector appears, with 0 where nobody chose it. #}
with interviews as (
    select * from {{ ref('fct_interview') }} as interviews
    {{ only_changed_cycles('interviews') }}
),

by_school as (
    {{ school_counts('interviews', ['gender', 'preferred_sector']) }}
),

by_area as (
    {{ expand_area_levels('by_school') }}
),

by_gender as (
    select
        by_area.*,
        genders.gender_group
    from by_area
    cross join lateral (values ('all'), (by_area.gender)) as genders (gender_group)
),

{{ shares_within_groups(
    'by_gender', ['cohort', 'area_level', 'area_code', 'cycle', 'gender_group'],
    'preferred_sector', ref('dim_sector'), 'sector', 'students_in_group', weight='students') }}

select
    cohort,
    area_level,
    area_code,
    parent_area_level,
    parent_area_code,
    cycle,
    gender_group as gender,
    sector,
    is_growth_sector,
    students_in_group,
    students,
    pct,
    {{ loads_watermark() }} as built_from_loads_until
from shares
