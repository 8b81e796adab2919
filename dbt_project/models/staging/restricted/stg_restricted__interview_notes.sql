{# The free text of each interview row, by its place in its file. #}
select
    file_id as source_file_id,
    line_number as source_line_number,
    student_key,
    job_type,
    action_plan
from {{ source('restricted', 'interview_note') }}
