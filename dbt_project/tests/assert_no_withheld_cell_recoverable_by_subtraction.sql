-- Secondary suppression held: in no line (cells adding up to a published total) is exactly one
-- cell withheld. Checked on sector_interest, whose three kinds of line interlock the most.
with cells as (
    select
        cohort, area_level, area_code, marts.parent_area_level, marts.parent_area_code, cycle,
        gender, sector, published.suppressed
    from {{ ref('publication_sector_interest') }} as published
    inner join {{ ref('sector_interest') }} as marts
        using (cohort, area_level, area_code, cycle, gender, sector)
),

gender_lines as (
    select cohort, area_level, area_code, cycle, sector,
        count(*) filter (where suppressed) as withheld
    from cells
    group by cohort, area_level, area_code, cycle, sector
),

children as (
    select
        cohort, parent_area_level as area_level, parent_area_code as area_code, cycle, gender,
        sector, count(*) filter (where suppressed) as withheld
    from cells
    where parent_area_level is not null
    group by cohort, parent_area_level, parent_area_code, cycle, gender, sector
),

area_lines as (
    select
        cohort, area_level, area_code, cycle, gender, sector,
        children.withheld + parent.suppressed::integer as withheld
    from children
    inner join cells as parent using (cohort, area_level, area_code, cycle, gender, sector)
)

select 'gender' as line, cohort, area_level, area_code, cycle, sector as detail
from gender_lines where withheld = 1
union all
select 'area', cohort, area_level, area_code, cycle, gender || '/' || sector
from area_lines where withheld = 1
