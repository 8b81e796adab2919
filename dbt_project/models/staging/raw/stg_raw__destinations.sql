{# The winning activity of each student and month; the ranking rule lives in
   raw.destination_version, beside the loader that records the conflicts. #}
select
    cohort,
    student_key,
    activity_month,
    activity,
    nccis_code,
    la_code as reported_by_la_code,
    file_id as source_file_id,
    line_number as source_line_number
from {{ source('raw', 'destination_version') }}
where version_rank = 1
