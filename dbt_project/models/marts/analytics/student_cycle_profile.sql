{# One row per student interviewed per cycle, with the roster's needs and the headline facts:
   the wide, pseudonymous table analysts slice in Superset (by SEN, disadvantage, school...).
   Rebuilt per changed cycle and the cycle after it (its knowledge change reads the one
   before), reading only those cycles and the ones before them. #}
{{ per_cycle_incremental(on_schema_change='append_new_columns') }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
with attended as (
    select * from {{ ref('fct_intervention_attendance') }} as attended
    {{ only_changed_cycles('attended', offsets=[0, 1]) }}
),

interventions as (
    select
        cohort,
        cycle,
        student_key,
        count(*) as interventions_attended
    from attended
    group by cohort, cycle, student_key
),

nearby_interviews as (
    select * from {{ ref('fct_interview') }} as interviews
    {{ only_changed_cycles('interviews', offsets=[-1, 0, 1]) }}
),

knowledge as (
    select
        cohort,
        cycle,
        student_key,
        knowledge_score_total::numeric / nullif(knowledge_areas_assessed, 0) as mean_knowledge
    from nearby_interviews
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
    coalesce(interventions.interventions_attended, 0) as interventions_attended,
    {{ loads_watermark() }} as built_from_loads_until
from {{ ref('fct_interview') }} as interview
inner join {{ ref('dim_student') }} as student
    on interview.student_version_key = student.student_version_key
inner join {{ ref('dim_school') }} as school on interview.school_urn = school.school_urn
left join knowledge
    on interview.cohort = knowledge.cohort
    and interview.cycle = knowledge.cycle
    and interview.student_key = knowledge.student_key
left join knowledge as previous
    on interview.cohort = previous.cohort
    and previous.cycle = interview.cycle - 1
    and interview.student_key = previous.student_key
left join interventions
    on interview.cohort = interventions.cohort
    and interview.cycle = interventions.cycle
    and interview.student_key = interventions.student_key
{{ only_changed_cycles('interview', offsets=[0, 1]) }}
