{{ config(alias='post16_plans') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    cycle::integer as cycle,
    post16_plan,
    students::integer as students,
    pct,
    suppressed
from {{ published('publication_post16_plans') }}
where {{ current_publication() }}
