{# The headline figures per cohort, cycle and area, with small numbers withheld. Each percentage
   publishes a count and its complement, so it is shown only where its cells are: no vision the
   `undecided` sector cell, a post-16 plan the `unsure` plan cell, predicted EET both the `eet`
   and `not_eet` cells. No vision is a yes-or-no outcome, so its share is withheld where the
   students with a vision are from 1 to threshold-1 too. A percentage withheld only because
   one side is small shows its 10-point band instead (contract 1.2 section 7). #}
with progress as (
    select * from {{ ref('cohort_progress') }}
),

forced as (
    -- bands the audit withholds now, and bands an earlier release withheld (they stay so)
    select cell_id from {{ ref('stg_disclosure__forced_withheld') }}
    union all
    select cell_id from {{ ref('stg_disclosure__released_withheld') }}
    where cell_id like 'band|%'
),

withheld as (
    select
        progress.*,
        interviewed.suppressed as interviewed_withheld,
        interviewed.suppressed or no_vision.suppressed
        or {{ is_small('interviewed.n - no_vision.n') }} as no_vision_withheld,
        interviewed.suppressed or unsure.suppressed as post16_plan_withheld,
        interviewed.suppressed or eet.suppressed or not_eet.suppressed as predicted_eet_withheld,
        {{ band_if_only_small(
            'pct_no_vision', '(no_vision.suppressed or ' ~ is_small('interviewed.n - no_vision.n')
            ~ ')', 'interviewed', 'no_vision.n',
            'no_vision.n', 'progress') }} as pct_no_vision_band,
        {{ band_if_only_small(
            'pct_with_post16_plan', 'unsure.suppressed', 'interviewed', 'unsure.n',
            'interviewed.n - unsure.n', 'progress') }} as pct_with_post16_plan_band,
        {{ band_if_only_small(
            'pct_predicted_eet', '(eet.suppressed or not_eet.suppressed)', 'interviewed',
            'eet.n', 'eet.n', 'progress') }} as pct_predicted_eet_band
    from progress
    {{ join_cell('interviewed', 'interviewed', 'progress') }}
    {{ join_cell('no_vision', 'sector', 'progress', "'all'", "'undecided'") }}
    {{ join_cell('unsure', 'plan', 'progress', category="'unsure'") }}
    {{ join_cell('eet', 'predicted', 'progress', category="'eet'") }}
    {{ join_cell('not_eet', 'predicted', 'progress', category="'not_eet'") }}
)

select
    {{ published_area_columns('withheld') }},
    withheld.cycle,
    case when not withheld.interviewed_withheld then withheld.students_interviewed end
        as students_interviewed,
    case when not withheld.no_vision_withheld then withheld.pct_no_vision end as pct_no_vision,
    case when not withheld.post16_plan_withheld then withheld.pct_with_post16_plan end
        as pct_with_post16_plan,
    case when not withheld.predicted_eet_withheld then withheld.pct_predicted_eet end
        as pct_predicted_eet,
    case when not withheld.interviewed_withheld then withheld.mean_knowledge end
        as mean_knowledge,
    withheld.no_vision_withheld or withheld.post16_plan_withheld
    or withheld.predicted_eet_withheld as suppressed,
    withheld.pct_no_vision_band,
    withheld.pct_with_post16_plan_band,
    withheld.pct_predicted_eet_band,
    {{ loads_watermark() }} as built_from_loads_until
from withheld
{{ join_area('withheld') }}
