-- The knowledge_area_columns() macro and the knowledge_areas seed must list the same columns.
with from_macro as (
    {% for column in knowledge_area_columns() -%}
        select '{{ column }}' as extract_column
        {{ "union all" if not loop.last }}
    {% endfor %}
),

from_seed as (
    select seeded."column" as extract_column
    from {{ ref('knowledge_areas') }} as seeded
)

select coalesce(from_macro.extract_column, from_seed.extract_column) as mismatched_column
from from_macro
full outer join from_seed on from_macro.extract_column = from_seed.extract_column
where from_macro.extract_column is null or from_seed.extract_column is null
