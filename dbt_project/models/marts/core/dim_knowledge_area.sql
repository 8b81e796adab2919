select
    code as knowledge_area,
    "column" as extract_column,
    label
from {{ ref('knowledge_areas') }}
