{{ config(alias='sector_interest') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    cycle::integer as cycle,
    gender,
    sector,
    students::integer as students,
    pct,
    suppressed
from {{ published('publication_sector_interest') }}
where {{ current_publication() }}
