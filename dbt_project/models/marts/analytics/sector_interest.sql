{# Students by preferred sector per cycle, area and gender (`all` and each roster gender); every
   sector appears, with 0 where nobody chose it. #}
with interviews as (
    select * from {{ ref('fct_interview') }}
),

by_area as (
    {{ expand_area_levels('interviews') }}
),

by_gender as (
    select by_area.*, genders.gender_group
    from by_area
    cross join lateral (values ('all'), (by_area.gender)) as genders (gender_group)
),

groups as (
    select cohort, {{ area_columns() }}, cycle, gender_group, count(*) as students_in_group
    from by_gender
    group by cohort, {{ area_columns() }}, cycle, gender_group
),

counts as (
    select cohort, area_level, area_code, cycle, gender_group, preferred_sector, count(*) as students
    from by_gender
    group by cohort, area_level, area_code, cycle, gender_group, preferred_sector
)

select
    groups.cohort,
    groups.area_level,
    groups.area_code,
    groups.parent_area_level,
    groups.parent_area_code,
    groups.cycle,
    groups.gender_group as gender,
    sectors.sector,
    sectors.is_growth_sector,
    groups.students_in_group,
    coalesce(counts.students, 0) as students,
    {{ pct('coalesce(counts.students, 0)', 'groups.students_in_group') }} as pct
from groups
cross join {{ ref('dim_sector') }} as sectors
left join counts
    on counts.cohort = groups.cohort
    and counts.area_level = groups.area_level
    and counts.area_code = groups.area_code
    and counts.cycle = groups.cycle
    and counts.gender_group = groups.gender_group
    and counts.preferred_sector = sectors.sector
