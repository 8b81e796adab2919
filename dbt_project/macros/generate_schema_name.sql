{# Layers live in schemas named after them (staging, marts, partner, ...), not prefixed with the
   target schema: partners are granted `partner`, and the name must not move between targets. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
