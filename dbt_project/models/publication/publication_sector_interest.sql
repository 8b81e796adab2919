{# Sector interest per cycle, area and gender, with small numbers withheld: gender `all` at every
   level, F, M and U on region and LEP-area rows only (contract 1.1). A share also needs its
   group's total shown: the students interviewed for `all`, that gender's students otherwise. #}
with interest as (
    select * from {{ ref('sector_interest') }}
)

select
    {{ published_area_columns('interest') }},
    interest.cycle,
    interest.gender,
    interest.sector,
    case when not sector.suppressed then interest.students end as students,
    case when not (sector.suppressed or group_total.suppressed) then interest.pct end as pct,
    sector.suppressed or group_total.suppressed as suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from interest
{{ join_area('interest') }}
{{ join_cell('sector', 'sector', 'interest', 'interest.gender', 'interest.sector') }}
inner join {{ ref('disclosure_suppression') }} as group_total
    on group_total.cell_id = case
        when interest.gender = 'all' then {{ disclosure_cell_id("'interviewed'",
            'interest.cohort', 'interest.cycle', 'interest.area_level', 'interest.area_code') }}
        else {{ disclosure_cell_id("'sector'", 'interest.cohort', 'interest.cycle',
            'interest.area_level', 'interest.area_code', 'interest.gender', "'total'") }}
    end
