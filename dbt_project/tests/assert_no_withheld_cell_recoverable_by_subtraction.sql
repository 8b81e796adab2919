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

area_lines as (
    select parent.cohort, parent.area_level, parent.area_code, parent.cycle, parent.gender,
        parent.sector,
        count(*) filter (where child.suppressed) + (case when parent.suppressed then 1 else 0 end)
            as withheld
    from cells as parent
    inner join cells as child
        on child.parent_area_level = parent.area_level
        and child.parent_area_code = parent.area_code
        and child.cohort = parent.cohort and child.cycle = parent.cycle
        and child.gender = parent.gender and child.sector = parent.sector
    group by parent.cohort, parent.area_level, parent.area_code, parent.cycle, parent.gender,
        parent.sector, parent.suppressed
)

select 'gender' as line, cohort, area_level, area_code, cycle, sector as detail
from gender_lines where withheld = 1
union all
select 'area', cohort, area_level, area_code, cycle, gender || '/' || sector
from area_lines where withheld = 1
