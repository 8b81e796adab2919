{# Knowledge change (first -> latest cycle, mean over the areas assessed in both) of students who
   attended each intervention at some point, against those who never did. #}
with change_per_student as (
    select
        cohort,
        student_key,
        avg(latest_score - first_score) as knowledge_change
    from {{ ref('int_knowledge_first_and_latest') }}
    group by cohort, student_key
),

attended as (
    select distinct
        cohort,
        student_key,
        intervention
    from {{ ref('fct_intervention_attendance') }}
)

select
    change_per_student.cohort,
    interventions.intervention,
    interventions.label,
    count(*) filter (where attended.student_key is not null) as students_attended,
    count(*) filter (where attended.student_key is null) as students_not_attended,
    round(
        (avg(change_per_student.knowledge_change) filter (where attended.student_key is not null))
        ::numeric, 2
    ) as mean_change_attended,
    round(
        (avg(change_per_student.knowledge_change) filter (where attended.student_key is null))
        ::numeric, 2
    ) as mean_change_not_attended
from change_per_student
cross join {{ ref('dim_intervention') }} as interventions
left join attended
    on change_per_student.cohort = attended.cohort
    and change_per_student.student_key = attended.student_key
    and interventions.intervention = attended.intervention
group by change_per_student.cohort, interventions.intervention, interventions.label
