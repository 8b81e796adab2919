{#- The partner views: recreated only when their definition changed (issue 27). Recreating a
    view takes an access-exclusive lock, which queues behind every open read of it: a partner
    who held a read open (its own timeouts switched off) held the whole build, and every read
    queued behind that. The definition's fingerprint (its SQL and contract columns) is kept as
    the view's comment; an unchanged view is left alone, grants and all. -#}
{%- materialization stable_view, adapter='postgres' -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set columns = [] -%}
    {%- for column in model.columns.values() -%}
        {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
    {%- endfor -%}
    {%- set fingerprint = 'pathways view ' ~ local_md5(sql ~ '|' ~ columns | join(',')) -%}
    {%- set unchanged = namespace(value=false) -%}
    {%- if existing_relation is not none and existing_relation.is_view
        and not should_full_refresh() -%}
        {%- set kept = run_query(
            "select obj_description('" ~ target_relation ~ "'::regclass, 'pg_class')") -%}
        {%- set unchanged.value = kept.columns[0].values()[0] == fingerprint -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- if unchanged.value -%}
        {%- call statement('main') -%}
            select 'definition unchanged: the view was left as it was'
        {%- endcall -%}
    {%- else -%}
        {{ drop_relation_if_exists(existing_relation) }}
        {%- call statement('main') -%}
            {{ get_create_view_as_sql(target_relation, sql) }}
        {%- endcall -%}
        {%- call statement('fingerprint') -%}
            comment on view {{ target_relation }} is '{{ fingerprint }}'
        {%- endcall -%}
    {%- endif -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}
