{# One row per student interviewed per cycle, with the roster's needs and the headline facts:
   the wide, pseudonymous table analysts slice in Superset (by SEN, disadvantage, school...). #}
with interventions as (
    select cohort, cycle, student_key, count(*) as interventions_attended
    from {{ ref('fct_intervention_attendance') }}
    group by cohort, cycle, student_key
),

knowledge as (
    select
        cohort,
        cycle,
        student_key,
        knowledge_score_total::numeric / nullif(knowledge_areas_assessed, 0) as mean_knowledge
    from {{ ref('fct_interview') }}
)

select
    interview.cohort,
    interview.cycle,
    interview.student_key,
    interview.school_urn,
    school.school_name,
    interview.la_code,
    school.local_authority,
    interview.lep_area,
    interview.gender,
    student.sen_status,
    case when student.is_disadvantaged then 'Disadvantaged' else 'Not disadvantaged' end
        as disadvantage,
    interview.preferred_sector,
    interview.post16_plan,
    interview.has_no_vision,
    interview.has_post16_plan,
    interview.is_predicted_eet,
    interview.neet_risk,
    round(knowledge.mean_knowledge, 2) as mean_knowledge,
    round(knowledge.mean_knowledge - previous.mean_knowledge, 2) as knowledge_change,
    coalesce(interventions.interventions_attended, 0) as interventions_attended
from {{ ref('fct_interview') }} as interview
inner join {{ ref('dim_student') }} as student
    on student.student_version_key = interview.student_version_key
inner join {{ ref('dim_school') }} as school on school.school_urn = interview.school_urn
left join knowledge
    on knowledge.cohort = interview.cohort
    and knowledge.cycle = interview.cycle
    and knowledge.student_key = interview.student_key
left join knowledge as previous
    on previous.cohort = interview.cohort
    and previous.cycle = interview.cycle - 1
    and previous.student_key = interview.student_key
left join interventions
    on interventions.cohort = interview.cohort
    and interventions.cycle = interview.cycle
    and interventions.student_key = interview.student_key
