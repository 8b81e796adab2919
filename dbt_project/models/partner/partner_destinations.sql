{{ config(alias='destinations') }}
{# Published to partners: read-only, no row identifies a student. #}
select
    {{ partner_area_columns() }},
    students_tracked::integer as students_tracked,
    students_with_activity::integer as students_with_activity,
    pct_eet,
    pct_neet,
    pct_not_known,
    pct_sustained_eet,
    pct_predicted_eet_last_interview,
    pct_prediction_held,
    comparison_pct_neet_or_not_known,
    neet_or_not_known_avoided,
    public_cost_avoided_gbp::bigint as public_cost_avoided_gbp,
    wider_cost_avoided_gbp::bigint as wider_cost_avoided_gbp,
    suppressed
from {{ published('publication_destinations') }}
where {{ current_publication() }}
