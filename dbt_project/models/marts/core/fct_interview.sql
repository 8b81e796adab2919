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
{# One row per student interviewed per cycle (the winning interview). #}
with interviews as (
    select * from {{ ref('int_interviews_as_of_roster') }} as interviews
    {{ only_changed_cycles('interviews') }}
)

select
    interviews.cohort * 10 + interviews.cycle as cycle_key,
    interviews.cohort,
    interviews.cycle,
    interviews.student_key,
    interviews.student_version_key,
    interviews.school_urn,
    interviews.la_code,
    interviews.lep_area,
    interviews.gender,
    interviews.adviser_id,
    interviews.interview_date,
    interviews.mode,
    interviews.preferred_sector,
    interviews.post16_plan,
    interviews.neet_risk,
    interviews.predicted_destination,
    interviews.preferred_sector = 'undecided' as has_no_vision,
    interviews.post16_plan <> 'unsure' as has_post16_plan,
    interviews.predicted_destination = 'eet' as is_predicted_eet,
    {% for column in knowledge_area_columns() -%}
        ({{ column }} is not null)::integer {{ "+" if not loop.last }}
    {% endfor -%} as knowledge_areas_assessed,
    {# null when nothing was assessed, like sum() over no scores #}
    nullif(
        {% for column in knowledge_area_columns() -%}
            coalesce({{ column }}, 0) {{ "+" if not loop.last }}
        {% endfor -%}, 0
    ) as knowledge_score_total,
    interviews.source_file_id,
    interviews.source_line_number,
    {{ loads_watermark() }} as built_from_loads_until,
    {{ build_clock() }} as built_at
from interviews
