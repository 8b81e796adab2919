{{ per_cohort_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Each student's score in each area at the cohort's first and latest cycle, for the students
   assessed in that area at both: the matched population of knowledge improvement (contract
   section 6), placed at their school as of the latest cycle. Rebuilt per changed cohort. #}
with bounds as (
    select
        cohort,
        min(cycle) as first_cycle,
        max(cycle) as latest_cycle
    from {{ ref('fct_interview') }}
    {{ only_changed_cohorts() }}
    group by cohort
)

select
    bounds.cohort,
    bounds.first_cycle,
    bounds.latest_cycle,
    first_scores.student_key,
    first_scores.knowledge_area,
    first_scores.score as first_score,
    latest_scores.score as latest_score,
    interviews.lep_area,
    interviews.la_code,
    interviews.school_urn,
    {{ loads_watermark() }} as built_from_loads_until
from bounds
inner join {{ ref('fct_knowledge_score') }} as first_scores
    on bounds.cohort = first_scores.cohort and bounds.first_cycle = first_scores.cycle
inner join {{ ref('fct_knowledge_score') }} as latest_scores
    on bounds.cohort = latest_scores.cohort
    and bounds.latest_cycle = latest_scores.cycle
    and first_scores.student_key = latest_scores.student_key
    and first_scores.knowledge_area = latest_scores.knowledge_area
inner join {{ ref('fct_interview') }} as interviews
    on bounds.cohort = interviews.cohort
    and bounds.latest_cycle = interviews.cycle
    and first_scores.student_key = interviews.student_key
where bounds.latest_cycle > bounds.first_cycle
