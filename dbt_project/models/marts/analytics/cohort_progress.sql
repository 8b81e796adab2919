{{ per_cycle_incremental() }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# The headline figures per cohort, cycle and area (unsuppressed: analysts only). #}
with interviews as (
    select * from {{ ref('fct_interview') }} as interviews
    {{ only_changed_cycles('interviews') }}
),

by_area as (
    {{ expand_area_levels('interviews') }}
)

select
    cohort,
    {{ area_columns() }},
    cycle,
    count(*) as students_interviewed,
    count(*) filter (where has_no_vision) as students_no_vision,
    count(*) filter (where has_post16_plan) as students_with_post16_plan,
    count(*) filter (where is_predicted_eet) as students_predicted_eet,
    sum(knowledge_areas_assessed) as knowledge_scores_assessed,
    sum(knowledge_score_total) as knowledge_score_total,
    {{ pct('count(*) filter (where has_no_vision)', 'count(*)') }} as pct_no_vision,
    {{ pct('count(*) filter (where has_post16_plan)', 'count(*)') }} as pct_with_post16_plan,
    {{ pct('count(*) filter (where is_predicted_eet)', 'count(*)') }} as pct_predicted_eet,
    {{ ratio("sum(knowledge_score_total)", "sum(knowledge_areas_assessed)") }}
        as mean_knowledge,
    {{ loads_watermark() }} as built_from_loads_until
from by_area
group by cohort, {{ area_columns() }}, cycle
