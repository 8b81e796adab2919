{# One row per tracked student: the November activity (the month of the annual activity
   survey), the months of EET activity October to March (sustained: at least 5 of the 6), what
   the last interview predicted, the SEN status of the last roster (which comparison rate is
   theirs) and the follow-up survey's answer (contract section 8). #}
with months as (
    select * from {{ ref('fct_destination_month') }}
),

by_student as (
    select
        cohort,
        student_key,
        school_urn,
        la_code,
        lep_area,
        max(activity) filter (where month_number = 3) as november_activity,
        max(activity_group) filter (where month_number = 3) as november_group,
        count(*) filter (
            where month_number between 2 and 7 and activity_group = 'eet'
        ) as eet_months_october_to_march
    from months
    group by cohort, student_key, school_urn, la_code, lep_area
),

last_interviews as (
    select distinct on (cohort, student_key)
        cohort,
        student_key,
        cycle as last_interview_cycle,
        predicted_destination as last_predicted_destination,
        neet_risk as last_neet_risk
    from {{ ref('fct_interview') }}
    order by cohort asc, student_key asc, cycle desc
),

last_roster as (
    select
        cohort,
        student_key,
        sen_status
    from {{ ref('int_roster_students') }}
    where cycle = 7
)

select
    by_student.cohort,
    by_student.student_key,
    by_student.school_urn,
    by_student.la_code,
    by_student.lep_area,
    by_student.november_activity,
    by_student.november_group,
    by_student.eet_months_october_to_march,
    by_student.eet_months_october_to_march >= 5 as is_sustained_eet,
    last_interviews.last_interview_cycle,
    last_interviews.last_predicted_destination,
    last_interviews.last_neet_risk,
    last_roster.sen_status,
    surveys.happy_with_destination,
    case
        when
            last_interviews.last_predicted_destination in ('eet', 'neet')
            and by_student.november_group in ('eet', 'neet')
            then last_interviews.last_predicted_destination = by_student.november_group
    end as prediction_held
from by_student
left join last_interviews
    on by_student.cohort = last_interviews.cohort
    and by_student.student_key = last_interviews.student_key
left join last_roster
    on by_student.cohort = last_roster.cohort
    and by_student.student_key = last_roster.student_key
left join {{ ref('stg_raw__surveys') }} as surveys
    on by_student.cohort = surveys.cohort
    and by_student.student_key = surveys.student_key
