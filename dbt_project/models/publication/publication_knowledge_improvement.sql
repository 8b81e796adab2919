{# First -> latest improvement per area of knowledge and `all`. The `all` row is computed from
   the twelve areas, so it is withheld whenever any of them is. #}
with improvement as (
    select * from {{ ref('knowledge_improvement') }}
),

cells as (
    select
        {{ cell_id(['cohort', 'area_level', 'area_code', 'knowledge_area']) }} as cell_id,
        matched_students as n,
        {{ is_small('matched_students') }} as is_primary,
        improvement.*
    from improvement
),

lines as (
    {{ area_hierarchy_lines('cells', ['cohort', 'knowledge_area']) }}
),

{{ secondary_suppression() }},

withheld as (
    select
        cells.*,
        suppression.suppressed
            or (
                cells.knowledge_area = 'all'
                and coalesce(bool_or(suppression.suppressed) filter (
                    where cells.knowledge_area <> 'all'
                ) over (partition by cells.cohort, cells.area_level, cells.area_code), false)
            ) as suppressed
    from cells
    inner join suppression using (cell_id)
)

select
    cohort,
    area_level,
    area_code,
    knowledge_area,
    first_cycle,
    latest_cycle,
    case when not suppressed then matched_students end as matched_students,
    case when not suppressed then mean_first end as mean_first,
    case when not suppressed then mean_latest end as mean_latest,
    case when not suppressed then pct_improvement end as pct_improvement,
    suppressed
from withheld
