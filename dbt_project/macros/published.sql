{# The partner views read `published`, the copy of the publication tables that last passed the
   quality gate (pathways/publish.py swaps it in). dbt builds and tests the `publication` tables
   as candidates; partners never see a candidate before the Soda contracts have passed on it. #}
{% macro published(model_name) -%}
    {%- set candidate = ref(model_name) -%}
    {{ return(candidate.incorporate(path={'schema': 'published'})) }}
{%- endmacro %}

{# Pre-hook of the partner views: before the first gate has passed, `published` holds empty
   tables of the candidates' shape, so the views exist (and show nothing) from the first build. #}
{% macro create_published_tables() -%}
    {%- if execute -%}
        {%- set statements = ['create schema if not exists published'] -%}
        {%- for node_id in model.depends_on.nodes if node_id.startswith('model.') -%}
            {%- set parent = graph.nodes[node_id] -%}
            {%- if parent.config.schema == 'publication' -%}
                {%- set candidate = adapter.get_relation(parent.database, parent.schema, parent.alias) -%}
                {%- if candidate is not none -%}
                    {%- do statements.append(
                        'create table if not exists published.' ~ parent.alias
                        ~ ' (like ' ~ candidate ~ ')') -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
