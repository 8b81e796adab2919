{# The partner views read `published`: every publication that passed the quality gate is a
   version of rows there (`publication_id`), and `published.current_publication` points at the
   one partners see. pathways/publish/publish.py adds a version and flips the pointer in one
   transaction, so publishing never waits for a partner's read and a read never waits for a
   publication. dbt builds and tests the `publication` tables as candidates; partners never
   see a candidate before the gate has passed it. #}
{% macro published(model_name) -%}
    {%- set candidate = ref(model_name) -%}
    {{ return(candidate.incorporate(path={'schema': 'published'})) }}
{%- endmacro %}

{# The rows of the current publication (rows from before versioning have no id, and show while
   nothing has been published since). #}
{% macro current_publication() -%}
    publication_id is not distinct from (
        select publication_id from published.current_publication
    )
{%- endmacro %}

{# Pre-hook of the partner views: before the first gate has passed, `published` holds empty
   tables of the candidates' shape, so the views exist (and show nothing) from the first build.
   A release that adds columns to a candidate adds them (empty) to the published table, so the
   rebuilt view reads the figures partners already had until the next gate publishes the new
   ones: the views stay readable through an upgrade, and nothing is dropped. The views are
   built in parallel and share the pointer: an advisory lock makes the creations take turns
   (`create ... if not exists` is not safe against a concurrent twin). #}
{% macro create_published_tables() -%}
    {%- if execute -%}
        {#- The schema and the pointer are the migrations' (pathways/migrations/versions). -#}
        {%- set statements = ["select pg_advisory_xact_lock(hashtext('pathways.published'))"] -%}
        {%- for node_id in model.depends_on.nodes if node_id.startswith('model.') -%}
            {%- set parent = graph.nodes[node_id] -%}
            {%- if parent.config.schema == 'publication' -%}
                {%- set candidate = adapter.get_relation(parent.database, parent.schema, parent.alias) -%}
                {%- if candidate is not none -%}
                    {%- set target = api.Relation.create(
                        database=parent.database, schema='published', identifier=parent.alias) -%}
                    {%- set existing = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
                    {%- set missing = [] -%}
                    {%- for column in adapter.get_columns_in_relation(candidate) + [api.Column('publication_id', 'bigint')]
                        if column.name not in existing -%}
                        {%- do missing.append(column) -%}
                    {%- endfor -%}
                    {%- if not existing -%}
                        {%- do statements.append('create table ' ~ target ~ ' (like ' ~ candidate ~ ', publication_id bigint)') -%}
                        {#- Partners read one area at a time (an LA across cycles). -#}
                        {%- if 'area_code' in adapter.get_columns_in_relation(candidate) | map(attribute='name') | list -%}
                            {%- do statements.append('create index ' ~ parent.alias ~ '_by_area on ' ~ target ~ ' (area_level, area_code)') -%}
                        {%- endif -%}
                    {%- elif missing -%}
                        {%- if adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
                            {#- Readers lock the view, then its table: so does the upgrade,
                                or a reader and this transaction could deadlock. -#}
                            {%- do statements.append('lock table ' ~ this ~ ' in access exclusive mode') -%}
                        {%- endif -%}
                        {%- for column in missing -%}
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

{# The columns every partner view opens with (contract 1.1): the cohort and the row's area,
   named and placed in the areas that contain it. #}
{% macro partner_area_columns() -%}
    cohort::integer as cohort,
    area_level,
    area_code,
    area_name,
    lep_area,
    local_authority
{%- endmacro %}
