{# One row per tracked student, pseudonymous: what they did after Year 11 beside who they are
   (cycle 7 roster), where they studied, what the programme last predicted and how much their
   careers knowledge grew. For analysts' own slicing; not published to partners (small groups
   are not suppressed here). #}
with roster as (
    select * from {{ ref('int_roster_students') }}
    where cycle = 7
),

knowledge as (
    select
        cohort,
        student_key,
        avg(latest_score) - avg(first_score) as knowledge_gained
    from {{ ref('int_knowledge_first_and_latest') }}
    group by cohort, student_key
)

select
    outcomes.cohort,
    outcomes.student_key,
    outcomes.school_urn,
    schools.school_name,
    outcomes.la_code,
    schools.local_authority,
    outcomes.lep_area,
    roster.gender,
    roster.sen_status,
    case when roster.is_disadvantaged then 'Disadvantaged' else 'Not disadvantaged' end
        as disadvantage,
    outcomes.november_activity,
    outcomes.november_group,
    outcomes.eet_months_october_to_march,
    outcomes.is_sustained_eet,
    outcomes.last_interview_cycle,
    outcomes.last_predicted_destination,
    outcomes.last_neet_risk,
    outcomes.prediction_held,
    round(knowledge.knowledge_gained, 2) as knowledge_gained
from {{ ref('int_destination_outcomes') }} as outcomes
inner join roster
    on outcomes.cohort = roster.cohort
    and outcomes.student_key = roster.student_key
inner join {{ ref('dim_school') }} as schools on outcomes.school_urn = schools.school_urn
left join knowledge
    on outcomes.cohort = knowledge.cohort
    and outcomes.student_key = knowledge.student_key
