{# Each student's name for the career leads: the one on the latest roster of the cohort they
   appear on, for the cohorts `cohorts` (a list of constants or a query) on an incremental run. #}
{% macro latest_roster_names(cohorts) -%}
    select distinct on (loads.cohort, identities.student_key)
        loads.cohort,
        identities.student_key,
        identities.forename,
        identities.surname
    from {{ ref('stg_restricted__roster_identities') }} as identities
    inner join {{ ref('stg_raw__file_loads') }} as loads
        on identities.source_file_id = loads.file_id
    where loads.is_current
    {%- if is_incremental() %}
        and loads.cohort in ({{ cohorts }})
    {%- endif %}
    order by loads.cohort asc, identities.student_key asc, loads.cycle desc
{%- endmacro %}


{# The rows of cycles this run did not rebuild keep the name they were built with: a later
   roster that renames a student reaches them here, row by row where the name differs (a full
   rebuild of the cohort cost most of a new cycle's build). The hook runs after the insert has
   moved the watermark, so changed_cycles() no longer sees this run's cycles: the cohorts are
   the ones whose rows this transaction built. The row counts as built now, so the quality gate
   verifies it again. #}
{% macro refresh_names_of_earlier_cycles() -%}
    {%- if is_incremental() -%}
    {%- set cohorts_built_now -%}
        select distinct cohort from {{ this }} where built_at = {{ build_clock() }}
    {%- endset -%}
    update {{ this }} as detail
    set
        forename = names.forename,
        surname = names.surname,
        built_at = {{ build_clock() }}
    from ({{ latest_roster_names(cohorts_built_now) }}) as names
    where detail.cohort = names.cohort
        and detail.student_key = names.student_key
        and (detail.forename, detail.surname) is distinct from (names.forename, names.surname)
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
