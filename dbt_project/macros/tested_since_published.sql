{# A data test of a large table can read only what changed since the last published
   verification, instead of the whole table on every run. It opts in with
   `config: {where: <placeholder>}`:
   - __built_since_published__: an incremental fact's rows built since then. The rows before
     were tested when they were built and passed the gate; delete+insert rebuilds whole
     (cohort, cycle) slices, so a slice's key is unique if its rebuilt rows are.
   - __cycles_loaded_since_published__: a view over raw interviews, the (cohort, cycle) slices
     with a file loaded or superseded since then, read when the test runs and written in as
     constants (they name the columns the winning interview is ranked within, so PostgreSQL
     reads those slices through raw.interview's (cohort, cycle) index and ranks them only).
   A run whose tests failed publishes nothing, so the next run tests its rows again. A full
   refresh tests everything (run it after upgrading to a release that changes the rules).
   This replaces dbt's own get_where_subquery, which passes any other `where` through. #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set built = 'true' if flags.FULL_REFRESH else built_since_published() -%}
    {%- set loaded = 'true' if flags.FULL_REFRESH else cycles_loaded_since_published() -%}
    {%- set where = where
        | replace('__built_since_published__', built)
        | replace('__cycles_loaded_since_published__', loaded) -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
{%- endmacro %}

{% macro published_data_as_of() -%}
    (
        select coalesce(max(data_as_of), '-infinity'::timestamptz)
        from {{ source('quality', 'gate_decision') }}
        where published
    )
{%- endmacro %}

{% macro built_since_published() -%}
    built_at > {{ published_data_as_of() }}
{%- endmacro %}

{% macro cycles_loaded_since_published() -%}
    {%- set loaded -%}
        select distinct cohort, cycle from {{ source('raw', 'file_load') }}
        where greatest(loaded_at, superseded_at) > {{ published_data_as_of() }}
            and cycle is not null
    {%- endset -%}
    {{ return(in_cycles(cycle_pairs(loaded))) }}
{%- endmacro %}
