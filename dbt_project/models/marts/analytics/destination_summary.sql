{# Destinations per cohort and area (contract section 8), unsuppressed: analysts only. The
   population is the tracked students (cohort's cycle 7 roster), each counted in the area of
   that roster. The comparison is on the area's basis (at_risk, else sen_adjusted, else
   all_young_people: the best one every tracked student has) and indirectly standardised: a
   student's expected rates are their authority's for that basis. Every figure is computed from
   exact sums and rounded once. #}
with outcomes as (
    select * from {{ ref('int_destination_outcomes') }}
),

expected as (
    select * from {{ ref('int_destination_expected_rates') }}
),

students as (
    select
        outcomes.*,
        expected.at_risk_pct_neet,
        expected.at_risk_pct_not_known,
        expected.at_risk_pct_neet_or_not_known,
        expected.sen_pct_neet,
        expected.sen_pct_not_known,
        expected.sen_pct_neet_or_not_known,
        expected.everyone_pct_neet,
        expected.everyone_pct_not_known,
        expected.everyone_pct_neet_or_not_known
    from outcomes
    inner join expected
        on outcomes.cohort = expected.cohort
        and outcomes.student_key = expected.student_key
),

by_area as (
    {{ expand_area_levels('students') }}
),

surveyed_cohorts as (
    select distinct cohort
    from {{ ref('stg_raw__file_loads') }}
    where extract_kind = 'survey' and status = 'loaded' and is_current
),

school_rolls as (
    -- The Year 11 roll of the area's schools in schools.csv, where every one of them gives it.
    select
        schools.cohort,
        area.area_level,
        area.area_code,
        case when bool_and(schools.year11_pupils is not null) then sum(schools.year11_pupils) end
            as year11_pupils
    from {{ ref('stg_raw__schools') }} as schools
    inner join {{ ref('local_authorities') }} as authorities
        on schools.la_code = authorities.la_code
    cross join
        lateral (
            values ('region', 'all'), ('lep_area', authorities.lep_area)
        ) as area (area_level, area_code)
    group by schools.cohort, area.area_level, area.area_code
),

counted as (
    select
        by_area.cohort,
        by_area.area_level,
        by_area.area_code,
        by_area.parent_area_level,
        by_area.parent_area_code,
        count(*) as students_tracked,
        count(*) filter (where by_area.november_group = 'eet') as students_eet,
        count(*) filter (where by_area.november_group = 'neet') as students_neet,
        count(*) filter (where by_area.november_group = 'not_known') as students_not_known,
        count(*) filter (where by_area.november_group = 'other') as students_other,
        count(*) filter (where by_area.is_sustained_eet) as students_sustained_eet,
        count(*) filter (
            where by_area.last_predicted_destination = 'eet'
        ) as students_predicted_eet_last_interview,
        count(by_area.prediction_held) as students_prediction_comparable,
        count(*) filter (where by_area.prediction_held) as students_prediction_held,
        count(by_area.happy_with_destination) as students_surveyed,
        count(*) filter (where by_area.happy_with_destination = 'Y') as students_happy,
        {{ basis_sums('by_area', 'at_risk') }},
        {{ basis_sums('by_area', 'sen') }},
        {{ basis_sums('by_area', 'everyone') }}
    from by_area
    group by
        by_area.cohort,
        by_area.area_level,
        by_area.area_code,
        by_area.parent_area_level,
        by_area.parent_area_code
),

exact as (
    select
        counted.*,
        case
            when counted.at_risk_covers then 'at_risk'
            when counted.sen_covers then 'sen_adjusted'
            when counted.everyone_covers then 'all_young_people'
        end as comparison_basis,
        {{ on_basis('neet') }} as expected_neet_sum,
        {{ on_basis('not_known') }} as expected_not_known_sum,
        {{ on_basis('combined') }} as expected_combined_sum,
        {{ wilson_bound('counted.students_neet', 'counted.students_tracked', 'lower') }}
            as neet_share_lower,
        {{ wilson_bound('counted.students_neet', 'counted.students_tracked', 'upper') }}
            as neet_share_upper,
        school_rolls.year11_pupils,
        surveyed_cohorts.cohort is not null as has_survey
    from counted
    left join school_rolls
        on counted.cohort = school_rolls.cohort
        and counted.area_level = school_rolls.area_level
        and counted.area_code = school_rolls.area_code
    left join surveyed_cohorts on counted.cohort = surveyed_cohorts.cohort
),

avoided as (
    -- Young people: expected minus observed. NEET avoided uses NEET alone ("not known" is not
    -- NEET, so it is not costed); its low end takes the interval's upper NEET share.
    select
        exact.*,
        exact.expected_combined_sum / 100
        - (exact.students_neet + exact.students_not_known) as neet_or_not_known_avoided_exact,
        exact.expected_neet_sum / 100 - exact.students_neet as neet_avoided_exact,
        exact.expected_neet_sum / 100
        - exact.students_tracked * exact.neet_share_upper as neet_avoided_low_exact,
        exact.expected_neet_sum / 100
        - exact.students_tracked * exact.neet_share_lower as neet_avoided_high_exact
    from exact
)

select
    cohort,
    area_level,
    area_code,
    parent_area_level,
    parent_area_code,
    students_tracked,
    students_tracked - students_not_known as students_with_activity,
    students_eet,
    students_neet,
    students_not_known,
    students_other,
    students_sustained_eet,
    students_predicted_eet_last_interview,
    students_prediction_comparable,
    students_prediction_held,
    case when has_survey then students_surveyed end as students_surveyed,
    case when has_survey then students_happy end as students_happy,
    {{ pct('students_eet', 'students_tracked') }} as pct_eet,
    {{ pct('students_neet', 'students_tracked') }} as pct_neet,
    {{ pct('students_not_known', 'students_tracked') }} as pct_not_known,
    {{ pct('students_sustained_eet', 'students_tracked') }} as pct_sustained_eet,
    {{ pct('students_predicted_eet_last_interview', 'students_tracked') }}
        as pct_predicted_eet_last_interview,
    {{ pct('students_prediction_held', 'students_prediction_comparable') }}
        as pct_prediction_held,
    case when has_survey then {{ pct('students_happy', 'students_surveyed') }} end
        as pct_happy_with_destination,
    comparison_basis,
    round(expected_neet_sum / students_tracked, 1) as expected_pct_neet,
    round(expected_not_known_sum / students_tracked, 1) as expected_pct_not_known,
    round(expected_combined_sum / students_tracked, 1) as comparison_pct_neet_or_not_known,
    round(neet_or_not_known_avoided_exact, 1) as neet_or_not_known_avoided,
    round(neet_avoided_exact, 1) as neet_avoided,
    round(neet_avoided_low_exact, 1) as neet_avoided_low,
    round(neet_avoided_high_exact, 1) as neet_avoided_high,
    {{ to_nearest_thousand_gbp('neet_avoided_exact', 'neet_lifetime_public_cost_gbp') }}
        as public_cost_avoided_gbp,
    {{ to_nearest_thousand_gbp('neet_avoided_low_exact', 'neet_lifetime_public_cost_gbp') }}
        as public_cost_avoided_low_gbp,
    {{ to_nearest_thousand_gbp('neet_avoided_high_exact', 'neet_lifetime_public_cost_gbp') }}
        as public_cost_avoided_high_gbp,
    {{ to_nearest_thousand_gbp('neet_avoided_exact', 'neet_lifetime_wider_cost_gbp') }}
        as wider_cost_avoided_gbp,
    {{ to_nearest_thousand_gbp('year11_pupils / 100.0', 'neet_lifetime_public_cost_gbp') }}
        as public_value_per_point_gbp,
    {{ to_nearest_thousand_gbp('year11_pupils / 100.0', 'neet_lifetime_wider_cost_gbp') }}
        as wider_value_per_point_gbp
from avoided
