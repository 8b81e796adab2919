{# The follow-up survey's answer of each student (contract section 8): one per student; where
   survey.csv and survey.xlsx both answer for a student, the file delivered last wins. #}
with ranked as (
    {{ ranked_by_delivery(source('raw', 'survey'), 'surveys', ['cohort', 'student_key']) }}
)

select
    cohort,
    student_key,
    survey_date,
    happy_with_destination,
    file_id as source_file_id,
    line_number as source_line_number
from ranked
where delivery_rank = 1
