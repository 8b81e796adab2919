{{ config(alias='knowledge_improvement') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    knowledge_area,
    first_cycle::integer as first_cycle,
    latest_cycle::integer as latest_cycle,
    matched_students::integer as matched_students,
    mean_first,
    mean_latest,
    pct_improvement,
    suppressed
from {{ published('publication_knowledge_improvement') }}
where {{ current_publication() }}
