{{
    per_cycle_incremental(
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['cohort', 'cycle', 'built_at']},
            {'columns': ['built_at'], 'type': 'brin'},
        ],
    )
}}
{# built_at is indexed for the quality gate: it checks the cycles built since it last published. #}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# One row per student x cycle x knowledge area assessed (1 very little knowledge, 5 excellent). #}
select
    scores.cohort * 10 + scores.cycle as cycle_key,
    scores.cohort,
    scores.cycle,
    scores.student_key,
    scores.knowledge_area,
    scores.score,
    {{ loads_watermark() }} as built_from_loads_until,
    {{ build_clock() }} as built_at
from {{ ref('int_knowledge_scores_unpivoted') }} as scores
{{ only_changed_cycles('scores') }}
