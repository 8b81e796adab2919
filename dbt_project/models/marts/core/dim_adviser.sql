select
    adviser_id,
    min(interview_date) as first_interview_date,
    max(interview_date) as last_interview_date,
    count(*) as interviews
from {{ ref('stg_raw__interviews') }}
group by adviser_id
