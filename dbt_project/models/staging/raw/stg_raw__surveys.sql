{# The follow-up survey's answer of each student (contract section 8): one per student; where
   survey.csv and survey.xlsx both answer for a student, the file delivered last wins. #}
with ranked as (
    select
        surveys.*,
        row_number() over (
            partition by surveys.cohort, surveys.student_key
            order by file_loads.delivery_order desc, surveys.file_id desc
        ) as delivery_rank
    from {{ source('raw', 'survey') }} as surveys
    inner join {{ ref('stg_raw__file_loads') }} as file_loads
        on surveys.file_id = file_loads.file_id
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
