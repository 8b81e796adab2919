{{ config(alias='knowledge_by_area') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    cycle::integer as cycle,
    knowledge_area,
    students_assessed::integer as students_assessed,
    mean_score,
    suppressed
from {{ published('publication_knowledge_by_area') }}
where {{ current_publication() }}
