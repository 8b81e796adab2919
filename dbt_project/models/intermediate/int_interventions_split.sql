{# One row per intervention a student attended since their previous interview. #}
select
    interviews.cohort,
    interviews.cycle,
    interviews.student_key,
    attended.intervention
from {{ ref('stg_raw__interviews') }} as interviews
cross join lateral unnest(string_to_array(interviews.interventions, ';')) as attended (intervention)
where interviews.interventions is not null
