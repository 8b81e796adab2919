{# The winning interview of each student, cohort and cycle; the ranking rule lives in
   raw.interview_version, beside the loader that records the conflicts. #}
select
    cohort,
    cycle,
    student_key,
    school_urn,
    interview_date,
    adviser_id,
    mode,
    preferred_sector,
    post16_plan,
    {% for column in knowledge_area_columns() -%}
        {{ column }}::integer as {{ column }},
    {% endfor -%}
    neet_risk,
    predicted_destination,
    interventions,
    file_id as source_file_id,
    line_number as source_line_number,
    delivered_at
from {{ source('raw', 'interview_version') }}
where version_rank = 1
