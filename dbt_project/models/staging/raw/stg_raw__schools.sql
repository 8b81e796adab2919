select
    cohort,
    urn as school_urn,
    school_name,
    la_code,
    year11_pupils,
    file_id as source_file_id,
    line_number as source_line_number
from {{ source('raw', 'school') }}
