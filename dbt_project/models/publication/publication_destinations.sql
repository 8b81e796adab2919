{# What the programme's students did after Year 11, per cohort and area (contract section 8),
   with small numbers withheld. Each percentage publishes its count and its complement, so it
   is shown only where its cells and the tracked students are; students with an activity
   (tracked minus not known) only where both are. EET, NEET and not known are yes-or-no
   outcomes: a share also publishes the tracked students outside it, so it is withheld where
   they are from 1 to threshold-1. The survey's figures publish surveyed or not, and happy or
   not. The comparison, expected, avoided and cost figures publish NEET and not known, so they
   are shown only where both of those cells are, and only on region and LEP-area rows; the
   expected rates also publish the area's mix of students on its basis (each authority's, or
   each authority's by SEN status), with the authorities' rates known to everyone, so they are
   shown only where every part of that mix and what it leaves is 0 or at least the threshold,
   and no authority's tracked students of the area are withheld. The value of a point comes
   from the schools' census rolls, not from students. #}
{% set threshold = var('suppression_threshold') %}
with destinations as (
    select * from {{ ref('destination_summary') }}
),

students as (
    select * from {{ ref('int_destination_outcomes') }}
),

area_students as (
    -- Each tracked student in the region and LEP area, with the part of the mix they are in:
    -- their authority (and SEN status on the sen_adjusted basis).
    select
        by_area.cohort,
        by_area.area_level,
        by_area.area_code,
        by_area.la_code,
        case
            when destinations.comparison_basis = 'sen_adjusted' then by_area.sen_status
        end as mix_sen_status,
        destinations.students_tracked
    from ({{ expand_area_levels('students') }}) as by_area
    inner join destinations
        on by_area.cohort = destinations.cohort
        and by_area.area_level = destinations.area_level
        and by_area.area_code = destinations.area_code
    where by_area.area_level in ('region', 'lep_area')
),

mix as (
    select
        cohort,
        area_level,
        area_code,
        la_code,
        mix_sen_status,
        students_tracked,
        count(*) as n
    from area_students
    group by cohort, area_level, area_code, la_code, mix_sen_status, students_tracked
),

mix_safe as (
    select
        mix.cohort,
        mix.area_level,
        mix.area_code,
        bool_and(
            mix.n >= {{ threshold }}
            and not {{ is_small('mix.students_tracked - mix.n') }}
            and not authority.suppressed
        ) as is_safe
    from mix
    inner join {{ ref('disclosure_suppression') }} as authority
        on authority.cell_id = {{ disclosure_cell_id(
            "'tracked'", 'mix.cohort', 'null', "'local_authority'", 'mix.la_code') }}
    group by mix.cohort, mix.area_level, mix.area_code
),

withheld as (
    select
        destinations.*,
        tracked.suppressed as tracked_withheld,
        tracked.suppressed or eet.suppressed
        or {{ is_small('tracked.n - eet.n') }} as eet_withheld,
        tracked.suppressed or neet.suppressed
        or {{ is_small('tracked.n - neet.n') }} as neet_withheld,
        tracked.suppressed or not_known.suppressed
        or {{ is_small('tracked.n - not_known.n') }} as not_known_withheld,
        tracked.suppressed or sustained.suppressed or not_sustained.suppressed
            as sustained_withheld,
        tracked.suppressed or predicted.suppressed or not_predicted.suppressed
            as predicted_withheld,
        held_base.suppressed or held.suppressed or not_held.suppressed as held_withheld,
        coalesce(
            tracked.suppressed or surveyed.suppressed or not_surveyed.suppressed, false
        ) as surveyed_withheld,
        coalesce(surveyed.suppressed or happy.suppressed or not_happy.suppressed, false)
            as happy_withheld,
        tracked.suppressed or eet.suppressed or neet.suppressed or not_known.suppressed
        or other.suppressed or sustained.suppressed or not_sustained.suppressed
        or predicted.suppressed or not_predicted.suppressed or held_base.suppressed
        or held.suppressed or not_held.suppressed
        or coalesce(surveyed.suppressed or not_surveyed.suppressed, false)
        or coalesce(happy.suppressed or not_happy.suppressed, false) as any_withheld
    from destinations
    {{ join_cell('tracked', 'tracked', 'destinations', cycle='null') }}
    {{ join_cell('eet', 'november', 'destinations', category="'eet'", cycle='null') }}
    {{ join_cell('neet', 'november', 'destinations', category="'neet'", cycle='null') }}
    {{ join_cell('not_known', 'november', 'destinations', category="'not_known'",
        cycle='null') }}
    {{ join_cell('other', 'november', 'destinations', category="'other'", cycle='null') }}
    {{ join_cell('sustained', 'sustained', 'destinations', category="'sustained'",
        cycle='null') }}
    {{ join_cell('not_sustained', 'sustained', 'destinations', category="'not_sustained'",
        cycle='null') }}
    {{ join_cell('predicted', 'predicted_last', 'destinations', category="'eet'",
        cycle='null') }}
    {{ join_cell('not_predicted', 'predicted_last', 'destinations', category="'not_eet'",
        cycle='null') }}
    {{ join_cell('held_base', 'held_base', 'destinations', cycle='null') }}
    {{ join_cell('held', 'held', 'destinations', category="'held'", cycle='null') }}
    {{ join_cell('not_held', 'held', 'destinations', category="'not_held'", cycle='null') }}
    {{ join_cell('surveyed', 'survey', 'destinations', category="'surveyed'", cycle='null',
        outer=true) }}
    {{ join_cell('not_surveyed', 'survey', 'destinations', category="'not_surveyed'",
        cycle='null', outer=true) }}
    {{ join_cell('happy', 'happy', 'destinations', category="'happy'", cycle='null',
        outer=true) }}
    {{ join_cell('not_happy', 'happy', 'destinations', category="'not_happy'", cycle='null',
        outer=true) }}
),

shown as (
    select
        withheld.*,
        withheld.area_level in ('region', 'lep_area')
        and not (withheld.neet_withheld or withheld.not_known_withheld)
        and coalesce(mix_safe.is_safe, false) as comparison_shown,
        withheld.area_level in ('region', 'lep_area') as value_shown
    from withheld
    left join mix_safe
        on withheld.cohort = mix_safe.cohort
        and withheld.area_level = mix_safe.area_level
        and withheld.area_code = mix_safe.area_code
)

select
    {{ published_area_columns('shown') }},
    case when not shown.tracked_withheld then shown.students_tracked end as students_tracked,
    case when not shown.not_known_withheld then shown.students_with_activity end
        as students_with_activity,
    case when not shown.eet_withheld then shown.pct_eet end as pct_eet,
    case when not shown.neet_withheld then shown.pct_neet end as pct_neet,
    case when not shown.not_known_withheld then shown.pct_not_known end as pct_not_known,
    case when not shown.sustained_withheld then shown.pct_sustained_eet end
        as pct_sustained_eet,
    case when not shown.predicted_withheld then shown.pct_predicted_eet_last_interview end
        as pct_predicted_eet_last_interview,
    case when not shown.held_withheld then shown.pct_prediction_held end as pct_prediction_held,
    case when not shown.surveyed_withheld then shown.students_surveyed end as students_surveyed,
    case when not shown.happy_withheld then shown.pct_happy_with_destination end
        as pct_happy_with_destination,
    case when shown.comparison_shown then shown.comparison_basis end as comparison_basis,
    case when shown.comparison_shown then shown.expected_pct_neet end as expected_pct_neet,
    case when shown.comparison_shown then shown.expected_pct_not_known end
        as expected_pct_not_known,
    case when shown.comparison_shown then shown.comparison_pct_neet_or_not_known end
        as comparison_pct_neet_or_not_known,
    case when shown.comparison_shown then shown.neet_or_not_known_avoided end
        as neet_or_not_known_avoided,
    case when shown.comparison_shown then shown.neet_avoided end as neet_avoided,
    case when shown.comparison_shown then shown.neet_avoided_low end as neet_avoided_low,
    case when shown.comparison_shown then shown.neet_avoided_high end as neet_avoided_high,
    case when shown.comparison_shown then shown.public_cost_avoided_gbp end
        as public_cost_avoided_gbp,
    case when shown.comparison_shown then shown.public_cost_avoided_low_gbp end
        as public_cost_avoided_low_gbp,
    case when shown.comparison_shown then shown.public_cost_avoided_high_gbp end
        as public_cost_avoided_high_gbp,
    case when shown.comparison_shown then shown.wider_cost_avoided_gbp end
        as wider_cost_avoided_gbp,
    case when shown.value_shown then shown.public_value_per_point_gbp end
        as public_value_per_point_gbp,
    case when shown.value_shown then shown.wider_value_per_point_gbp end
        as wider_value_per_point_gbp,
    shown.any_withheld or coalesce(
        shown.value_shown and shown.comparison_basis is not null and not shown.comparison_shown,
        false
    ) as suppressed
from shown
{{ join_area('shown') }}
