{# First -> latest improvement per area of knowledge and `all`, with small numbers withheld. The
   `all` row's means and improvement average the twelve areas', so they are withheld whenever
   any area's are; its count of matched students is a cell of its own. #}
with improvement as (
    select * from {{ ref('knowledge_improvement') }}
),

withheld as (
    select
        improvement.*,
        matched.suppressed as count_suppressed,
        matched.suppressed or coalesce(bool_or(matched.suppressed) filter (
            where improvement.knowledge_area <> 'all'
        ) over (
            partition by improvement.cohort, improvement.area_level, improvement.area_code
        ) and improvement.knowledge_area = 'all', false) as figures_suppressed
    from improvement
    {{ join_cell('matched', 'matched', 'improvement', category='improvement.knowledge_area',
        cycle='null') }}
)

select
    {{ published_area_columns('withheld') }},
    withheld.knowledge_area,
    withheld.first_cycle,
    withheld.latest_cycle,
    case when not withheld.count_suppressed then withheld.matched_students end
        as matched_students,
    case when not withheld.figures_suppressed then withheld.mean_first end as mean_first,
    case when not withheld.figures_suppressed then withheld.mean_latest end as mean_latest,
    case when not withheld.figures_suppressed then withheld.pct_improvement end
        as pct_improvement,
    withheld.figures_suppressed as suppressed
from withheld
{{ join_area('withheld') }}
