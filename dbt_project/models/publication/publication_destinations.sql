{# What the programme's students did after Year 11, per cohort and area (contract section 8),
   with small numbers withheld. Each percentage publishes its count and its complement, so it
   is shown only where its cells and the tracked students are; students with an activity
   (tracked minus not known) only where both are. EET, NEET and not known are yes-or-no
   outcomes: a share also publishes the tracked students outside it, so it is withheld where
   they are from 1 to threshold-1. The comparison and the costs avoided
   publish NEET + not known, so they are shown only where both of those cells are, and only on
   region and LEP-area rows. #}
with destinations as (
    select * from {{ ref('destination_summary') }}
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
        tracked.suppressed or eet.suppressed or neet.suppressed or not_known.suppressed
        or other.suppressed or sustained.suppressed or not_sustained.suppressed
        or predicted.suppressed or not_predicted.suppressed or held_base.suppressed
        or held.suppressed or not_held.suppressed as any_withheld
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
),

shown as (
    select
        withheld.*,
        withheld.area_level in ('region', 'lep_area')
        and not (withheld.neet_withheld or withheld.not_known_withheld) as comparison_shown
    from withheld
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
    case when shown.comparison_shown then shown.comparison_pct_neet_or_not_known end
        as comparison_pct_neet_or_not_known,
    case when shown.comparison_shown then shown.neet_or_not_known_avoided end
        as neet_or_not_known_avoided,
    case when shown.comparison_shown then shown.public_cost_avoided_gbp end
        as public_cost_avoided_gbp,
    case when shown.comparison_shown then shown.wider_cost_avoided_gbp end
        as wider_cost_avoided_gbp,
    shown.any_withheld as suppressed
from shown
{{ join_area('shown') }}
