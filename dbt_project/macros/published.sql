{# The partner views read `published`, the copy of the publication tables that last passed the
   quality gate (pathways/publish.py swaps it in). dbt builds and tests the `publication` tables
   as candidates; partners never see a candidate before the Soda contracts have passed on it. #}
{% macro published(model_name) -%}
    {%- set candidate = ref(model_name) -%}
    {{ return(candidate.incorporate(path={'schema': 'published'})) }}
{%- endmacro %}

{# Pre-hook of the partner views: before the first gate has passed, `published` holds empty
   tables of the candidates' shape, so the views exist (and show nothing) from the first build.
   A release that adds columns to a candidate adds them (empty) to the published table, so the
   rebuilt view reads the figures partners already had until the next gate publishes the new
   ones: the views stay readable through an upgrade, and nothing is dropped. #}
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
                    {%- set target = api.Relation.create(
                        database=parent.database, schema='published', identifier=parent.alias) -%}
                    {%- set existing = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
                    {%- set missing = [] -%}
                    {%- if existing -%}
                        {%- for column in adapter.get_columns_in_relation(candidate)
                            if column.name not in existing -%}
                            {%- if not missing and adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
                                {#- Readers lock the view, then its table: so does the upgrade,
                                    or a reader and this transaction could deadlock. -#}
                                {%- do statements.append('lock table ' ~ this ~ ' in access exclusive mode') -%}
                            {%- endif -%}
                            {%- do missing.append(column.name) -%}
                            {%- do statements.append(
                                'alter table ' ~ target ~ ' add column if not exists '
                                ~ adapter.quote(column.name) ~ ' ' ~ column.data_type) -%}
                        {%- endfor -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
