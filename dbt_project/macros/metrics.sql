{# Percentages are rounded to 1 decimal and means to 2 (contract section 6). #}
{% macro pct(numerator, denominator) -%}
    round(100.0 * ({{ numerator }}) / nullif({{ denominator }}, 0), 1)
{%- endmacro %}

{% macro mean(expression) -%}
    round(avg({{ expression }})::numeric, 2)
{%- endmacro %}

{# One row per area a row counts towards: the region, its LEP area, its local authority and
   its school, each with the area it sits in (the parent, whose figures it adds up to).
   `relation` needs lep_area, la_code and school_urn. #}
{% macro expand_area_levels(relation) -%}
    select
        {{ relation }}.*,
        area.area_level,
        area.area_code,
        area.parent_area_level,
        area.parent_area_code
    from {{ relation }}
    cross join lateral (
        values
            ('region', 'all', null, null),
            ('lep_area', {{ relation }}.lep_area, 'region', 'all'),
            ('local_authority', {{ relation }}.la_code, 'lep_area', {{ relation }}.lep_area),
            ('school', {{ relation }}.school_urn, 'local_authority', {{ relation }}.la_code)
    ) as area (area_level, area_code, parent_area_level, parent_area_code)
{%- endmacro %}

{% macro area_columns() -%}
    area_level, area_code, parent_area_level, parent_area_code
{%- endmacro %}
