{# Facts are rebuilt one (cohort, cycle) at a time. On an incremental run these are the cycles
   whose inputs changed since the fact was last built: a new or corrected interview file changes
   its cycle; a roster changes its cycle and later ones (student versions start from it); a
   schools.csv changes the whole cohort. Destinations belong to no cycle and change no
   interview fact. Returned as [cohort, cycle] pairs, read when the model runs. #}
{% macro changed_cycles() -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set query -%}
    select distinct loads.cohort, cycles.cycle
    from {{ ref('stg_raw__file_loads') }} as loads
    inner join {{ ref('cycles') }} as cycles
        on (loads.cycle is null and loads.extract_kind = 'schools')
        or cycles.cycle = loads.cycle
        or (loads.extract_kind = 'roster' and cycles.cycle > loads.cycle)
    where greatest(loads.loaded_at, loads.superseded_at) > (
        {%- if 'built_from_loads_until' in built_columns %}
        select coalesce(max(built_from_loads_until), '-infinity'::timestamptz) from {{ this }}
        {%- else %}
        {#- built by an earlier release without a watermark (a table then): every cycle #}
        select '-infinity'::timestamptz
        {%- endif %}
    )
    order by 1, 2
    {%- endset -%}
    {{ return(cycle_pairs(query)) }}
{%- endmacro %}

{# The [cohort, cycle] pairs a query returns, read when dbt executes (none while it parses). #}
{% macro cycle_pairs(query) -%}
    {%- set pairs = [] -%}
    {%- if execute -%}
        {%- for row in run_query(query).rows -%}
            {%- do pairs.append([row[0] | int, row[1] | int]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(pairs) }}
{%- endmacro %}

{# The newest load or supersession the build saw: the next run's starting point. #}
{% macro loads_watermark() -%}
    (select max(greatest(loaded_at, superseded_at)) from {{ ref('stg_raw__file_loads') }})
{%- endmacro %}

{# The rows of the changed cycles, read when the model runs and written in as constants: the
   planner then knows which cycles, and reads them through a (cohort, cycle) index (a subquery
   in their place planned as a scan of the whole table, and a model reading three ranges of
   cycles expanded it 27 times, each a scan of the model's table for its watermark). #}
{% macro only_changed_cycles(relation, offsets=[0]) -%}
    {% if is_incremental() -%}
    {#- Offsets: cycles near the changed ones. A model whose row reads the cycle before is
        rebuilt for the changed cycles and the next (0, 1), and reads them and the one before. -#}
    {%- set near = [] -%}
    {%- for cohort, cycle in changed_cycles() -%}
        {%- for offset in offsets -%}
            {%- do near.append([cohort, cycle + offset]) -%}
        {%- endfor -%}
    {%- endfor %}
    where {{ in_cycles(near, relation) }}
    {%- endif %}
{%- endmacro %}


{# The rows of these [cohort, cycle] pairs (none: no row), as constants: the cohorts and the
   cycles as lists an index scan takes, then the pairs themselves. #}
{% macro in_cycles(pairs, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set rows = [] -%}
    {%- for cohort, cycle in pairs -%}
        {%- do rows.append('(' ~ cohort ~ ', ' ~ cycle ~ ')') -%}
    {%- endfor -%}
    {%- if rows -%}
        {{ prefix }}cohort in ({{ pairs | map(attribute=0) | unique | join(', ') }})
        and {{ prefix }}cycle in ({{ pairs | map(attribute=1) | unique | join(', ') }})
        and ({{ prefix }}cohort, {{ prefix }}cycle) in ({{ rows | unique | join(', ') }})
    {%- else -%}
        {#- none changed (or dbt is only parsing): no row, said of the same columns #}
        ({{ prefix }}cohort, {{ prefix }}cycle) in (select null::integer, null::integer where false)
    {%- endif -%}
{%- endmacro %}


{# When the row was built, by the warehouse's clock: the quality gate verifies row by row only
   what was built after its last published verification (quality/checks.py). #}
{% macro build_clock() -%}
    transaction_timestamp()
{%- endmacro %}


{# The rows of the cohorts with a changed cycle (changed_cycles): for a model whose figures span
   the cohort (first and latest cycle, a student's whole programme), the cohort is rebuilt. #}
{% macro only_changed_cohorts(relation=none) -%}
    {% if is_incremental() -%}
    {%- set column = relation ~ '.cohort' if relation else 'cohort' %}
    where {{ column }} in ({{ changed_cohorts_or_none() }})
    {%- endif %}
{%- endmacro %}

{# The cohorts with a changed cycle as a list of constants; none (or dbt only parsing): null,
   which no cohort equals. #}
{% macro changed_cohorts_or_none() -%}
    {{ changed_cycles() | map(attribute=0) | unique | join(', ') or 'null' }}
{%- endmacro %}


{# The one configuration of a per-cycle model: built incrementally, the changed (cohort, cycle)
   pairs (only_changed_cycles) deleted and inserted again. Extra settings (indexes, a schema
   change policy) pass through. #}
{% macro per_cycle_incremental() -%}
    {{ incremental_by(['cohort', 'cycle'], kwargs) }}
{%- endmacro %}

{# The same for a per-cohort model (only_changed_cohorts): the changed cohorts' rows replaced.
   A model that was a table before gains its watermark column in place. #}
{% macro per_cohort_incremental() -%}
    {%- do kwargs.setdefault('on_schema_change', 'append_new_columns') -%}
    {{ incremental_by(['cohort'], kwargs) }}
{%- endmacro %}

{% macro incremental_by(unique_key, options) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        **options
    ) }}
{%- endmacro %}

{# Fresh statistics for the models built on this one in the same run: a table, or an incremental
   model's new rows (without them, a fact built moments ago plans as one row a cycle, and the
   first-and-latest join became a nested loop over every score: minutes on 37 k interviews).
   Views have none to refresh. #}
{% macro analyze_if_stored() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
