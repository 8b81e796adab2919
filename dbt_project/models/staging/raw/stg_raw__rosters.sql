select
    cohort,
    cycle,
    school_urn,
    student_key,
    gender,
    year_group::integer as year_group,
    sen_status,
    disadvantaged = 'Y' as is_disadvantaged,
    attendance_pct,
    file_id as source_file_id,
    line_number as source_line_number
from {{ source('raw', 'roster') }}
