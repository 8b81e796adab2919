{# Destinations per cohort and area (contract section 8), unsuppressed: analysts only. The
   population is the tracked students (cohort's cycle 7 roster), each counted in the area of
   that roster. The comparison rate of an area is the tracked-weighted mean of its local
   authorities' rates (null where one of them has none); what was avoided is computed from exact
   values and rounded once. #}
with outcomes as (
    select * from {{ ref('int_destination_outcomes') }}
),

by_area as (
    {{ expand_area_levels('outcomes') }}
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
        case
            when bool_and(comparisons.la_code is not null)
                then sum(comparisons.pct_neet_or_not_known) / count(*)
        end as comparison_exact
    from by_area
    left join {{ ref('stg_raw__destination_comparisons') }} as comparisons
        on by_area.cohort = comparisons.cohort
        and by_area.la_code = comparisons.la_code
    group by
        by_area.cohort,
        by_area.area_level,
        by_area.area_code,
        by_area.parent_area_level,
        by_area.parent_area_code
),

avoided as (
    select
        counted.*,
        counted.comparison_exact * counted.students_tracked / 100
        - (counted.students_neet + counted.students_not_known) as avoided_exact
    from counted
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
    {{ pct('students_eet', 'students_tracked') }} as pct_eet,
    {{ pct('students_neet', 'students_tracked') }} as pct_neet,
    {{ pct('students_not_known', 'students_tracked') }} as pct_not_known,
    {{ pct('students_sustained_eet', 'students_tracked') }} as pct_sustained_eet,
    {{ pct('students_predicted_eet_last_interview', 'students_tracked') }}
        as pct_predicted_eet_last_interview,
    {{ pct('students_prediction_held', 'students_prediction_comparable') }}
        as pct_prediction_held,
    round(comparison_exact, 1) as comparison_pct_neet_or_not_known,
    round(avoided_exact, 1) as neet_or_not_known_avoided,
    round(avoided_exact * {{ var('neet_lifetime_public_cost_gbp') }} / 1000) * 1000
        as public_cost_avoided_gbp,
    round(avoided_exact * {{ var('neet_lifetime_wider_cost_gbp') }} / 1000) * 1000
        as wider_cost_avoided_gbp
from avoided
