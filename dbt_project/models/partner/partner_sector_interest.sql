{{ config(alias='sector_interest') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    cohort::integer as cohort,
    area_level,
    area_code,
    area_name,
    lep_area,
    local_authority,
    cycle::integer as cycle,
    gender,
    sector,
    students::integer as students,
    pct,
    suppressed
from {{ published('publication_sector_interest') }}
where {{ current_publication() }}
