{# A data test of a large incremental fact checks the rows built since the last published
   verification, not the whole table again: the rows before it were tested when they were built
   and passed the gate, and delete+insert rebuilds whole (cohort, cycle) slices, so a slice's
   key is unique if its rebuilt rows are. A run whose tests failed publishes nothing, so the
   next run tests its rows again; a full refresh rebuilds, and so tests, every row.
   A test opts in with `config: {where: __built_since_published__}`; this replaces dbt's own
   get_where_subquery, which passes any other `where` through as written. #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__built_since_published__', built_since_published()) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro built_since_published() -%}
    built_at > (
        select coalesce(max(data_as_of), '-infinity'::timestamptz)
        from {{ source('quality', 'gate_decision') }}
        where published
    )
{%- endmacro %}
