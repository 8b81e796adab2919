{{ config(alias='cycle_summary') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    cycle::integer as cycle,
    students_interviewed::integer as students_interviewed,
    pct_no_vision,
    pct_with_post16_plan,
    pct_predicted_eet,
    mean_knowledge,
    suppressed,
    pct_no_vision_band,
    pct_with_post16_plan_band,
    pct_predicted_eet_band
from {{ published('publication_cycle_summary') }}
where {{ current_publication() }}
