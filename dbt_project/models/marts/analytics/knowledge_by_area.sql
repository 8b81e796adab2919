{{ per_cycle_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Mean knowledge per area of knowledge, cycle and area, over the students assessed in it. #}
with scores as (
    select
        scores.*,
        interviews.lep_area,
        interviews.la_code,
        interviews.school_urn
    from {{ ref('fct_knowledge_score') }} as scores
    inner join {{ ref('fct_interview') }} as interviews
        on scores.cohort = interviews.cohort
        and scores.cycle = interviews.cycle
        and scores.student_key = interviews.student_key
    {{ only_changed_cycles('scores') }}
),

by_area as (
    {{ expand_area_levels('scores') }}
)

select
    cohort,
    {{ area_columns() }},
    cycle,
    knowledge_area,
    count(*) as students_assessed,
    {{ mean('score') }} as mean_score,
    {{ loads_watermark() }} as built_from_loads_until
from by_area
group by cohort, {{ area_columns() }}, cycle, knowledge_area
