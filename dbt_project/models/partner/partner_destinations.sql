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
    students_surveyed::integer as students_surveyed,
    pct_happy_with_destination,
    comparison_basis,
    expected_pct_neet,
    expected_pct_not_known,
    comparison_pct_neet_or_not_known,
    neet_or_not_known_avoided,
    neet_avoided,
    neet_avoided_low,
    neet_avoided_high,
    public_cost_avoided_gbp::bigint as public_cost_avoided_gbp,
    public_cost_avoided_low_gbp::bigint as public_cost_avoided_low_gbp,
    public_cost_avoided_high_gbp::bigint as public_cost_avoided_high_gbp,
    wider_cost_avoided_gbp::bigint as wider_cost_avoided_gbp,
    public_value_per_point_gbp::bigint as public_value_per_point_gbp,
    wider_value_per_point_gbp::bigint as wider_value_per_point_gbp,
    suppressed
from {{ published('publication_destinations') }}
where {{ current_publication() }}
