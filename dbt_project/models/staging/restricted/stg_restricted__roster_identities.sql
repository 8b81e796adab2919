{# The names on each roster row. The UPN and date of birth stay in the source table: nothing
   downstream needs them. #}
select
    student_key,
    forename,
    surname,
    file_id as source_file_id,
    line_number as source_line_number
from {{ source('restricted', 'roster_identity') }}
