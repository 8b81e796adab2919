{# Mean knowledge per area of knowledge, cycle and area, with small numbers withheld. #}
with knowledge as (
    select * from {{ ref('knowledge_by_area') }}
)

select
    {{ published_area_columns('knowledge') }},
    knowledge.cycle,
    knowledge.knowledge_area,
    case when not assessed.suppressed then knowledge.students_assessed end as students_assessed,
    case when not assessed.suppressed then knowledge.mean_score end as mean_score,
    assessed.suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from knowledge
{{ join_area('knowledge') }}
{{ join_cell('assessed', 'assessed', 'knowledge', category='knowledge.knowledge_area') }}
