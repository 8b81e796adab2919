{{ per_cycle_incremental(on_schema_change='append_new_columns') }}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# One row per intervention a student attended since their previous interview. #}
select
    attended.cohort * 10 + attended.cycle as cycle_key,
    attended.cohort,
    attended.cycle,
    attended.student_key,
    attended.intervention,
    {{ loads_watermark() }} as built_from_loads_until,
    {{ build_clock() }} as built_at
from {{ ref('int_interventions_split') }} as attended
{{ only_changed_cycles('attended') }}
