{# The headline figures per cohort, cycle and area, with small numbers withheld. Each percentage
   publishes a count and its complement, so it is shown only where its cells are: no vision the
   `undecided` sector cell, a post-16 plan the `unsure` plan cell, predicted EET both the `eet`
   and `not_eet` cells. #}
with progress as (
    select * from {{ ref('cohort_progress') }}
)

select
    {{ published_area_columns('progress') }},
    progress.cycle,
    case when not interviewed.suppressed then progress.students_interviewed end
        as students_interviewed,
    case when not (interviewed.suppressed or no_vision.suppressed) then progress.pct_no_vision end
        as pct_no_vision,
    case
        when not (interviewed.suppressed or unsure.suppressed)
            then progress.pct_with_post16_plan
    end as pct_with_post16_plan,
    case
        when not (interviewed.suppressed or eet.suppressed or not_eet.suppressed)
            then progress.pct_predicted_eet
    end as pct_predicted_eet,
    case when not interviewed.suppressed then progress.mean_knowledge end as mean_knowledge,
    interviewed.suppressed or no_vision.suppressed or unsure.suppressed or eet.suppressed
    or not_eet.suppressed as suppressed,
    {{ loads_watermark() }} as built_from_loads_until
from progress
{{ join_area('progress') }}
{{ join_cell('interviewed', 'interviewed', 'progress') }}
{{ join_cell('no_vision', 'sector', 'progress', "'all'", "'undecided'") }}
{{ join_cell('unsure', 'plan', 'progress', category="'unsure'") }}
{{ join_cell('eet', 'predicted', 'progress', category="'eet'") }}
{{ join_cell('not_eet', 'predicted', 'progress', category="'not_eet'") }}
