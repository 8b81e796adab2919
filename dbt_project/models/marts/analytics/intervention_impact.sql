{# Knowledge change (first -> latest cycle, mean over the areas assessed in both) of students who
   attended each intervention at some point, against those who never did. #}
with bounds as (
    select cohort, min(cycle) as first_cycle, max(cycle) as latest_cycle
    from {{ ref('fct_interview') }}
    group by cohort
),

change_per_student as (
    select
        first_scores.cohort,
        first_scores.student_key,
        avg(latest_scores.score - first_scores.score) as knowledge_change
    from bounds
    inner join {{ ref('fct_knowledge_score') }} as first_scores
        on first_scores.cohort = bounds.cohort and first_scores.cycle = bounds.first_cycle
    inner join {{ ref('fct_knowledge_score') }} as latest_scores
        on latest_scores.cohort = bounds.cohort
        and latest_scores.cycle = bounds.latest_cycle
        and latest_scores.student_key = first_scores.student_key
        and latest_scores.knowledge_area = first_scores.knowledge_area
    where bounds.latest_cycle > bounds.first_cycle
    group by first_scores.cohort, first_scores.student_key
),

attended as (
    select distinct cohort, student_key, intervention
    from {{ ref('fct_intervention_attendance') }}
)

select
    change_per_student.cohort,
    interventions.intervention,
    interventions.label,
    count(*) filter (where attended.student_key is not null) as students_attended,
    count(*) filter (where attended.student_key is null) as students_not_attended,
    round((avg(knowledge_change) filter (where attended.student_key is not null))::numeric, 2)
        as mean_change_attended,
    round((avg(knowledge_change) filter (where attended.student_key is null))::numeric, 2)
        as mean_change_not_attended
from change_per_student
cross join {{ ref('dim_intervention') }} as interventions
left join attended
    on attended.cohort = change_per_student.cohort
    and attended.student_key = change_per_student.student_key
    and attended.intervention = interventions.intervention
group by change_per_student.cohort, interventions.intervention, interventions.label
