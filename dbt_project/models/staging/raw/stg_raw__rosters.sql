select
    roster.cohort,
    roster.cycle,
    roster.school_urn,
    roster.student_key,
    roster.gender,
    roster.year_group::integer as year_group,
    roster.sen_status,
    roster.disadvantaged = 'Y' as is_disadvantaged,
    roster.attendance_pct,
    roster.file_id as source_file_id,
    roster.line_number as source_line_number,
    file_load.delivered_at
from {{ source('raw', 'roster') }} as roster
inner join {{ source('raw', 'file_load') }} as file_load using (file_id)
