{# Percentages are rounded to 1 decimal and means to 2, from exact counts and sums, half away
   from zero (contract section 6): PostgreSQL's round() on numeric rounds ties away from zero,
   and a quotient of whole numbers that is exactly a tie (81.25, 2.125) terminates within
   numeric's precision, so it is never nudged off the tie. #}
{% macro pct(numerator, denominator) -%}
    round(100 * ({{ numerator }})::numeric / nullif({{ denominator }}, 0), 1)
{%- endmacro %}

{% macro ratio(numerator, denominator, decimals=2) -%}
    round(({{ numerator }})::numeric / nullif({{ denominator }}, 0), {{ decimals }})
{%- endmacro %}

{% macro mean(expression) -%}
    {{ ratio('sum(' ~ expression ~ ')', 'count(' ~ expression ~ ')') }}
{%- endmacro %}

{# An exact quotient carried at 100 decimal places, for averaging quotients (the `all`
   improvement row): the error of a mean of such terms is far below the distance from any
   tie that a quotient of counts can sit at, so rounding the mean afterwards is exact. #}
{% macro exact_quotient(numerator, denominator) -%}
    (({{ numerator }})::numeric(1000, 100) / nullif({{ denominator }}, 0))
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

{# The four columns that place a row in the area hierarchy, qualified by `relation` if given. #}
{% macro area_columns(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}area_level, {{ prefix }}area_code, {{ prefix }}parent_area_level, {{ prefix }}parent_area_code
{%- endmacro %}

{# Students per category (sector, plan, ...) within each group, every category present with 0
   where nobody chose it, as a share of the group. Emits CTEs ending in `shares`:
   group_keys, parent area, `total_name` (the group's students), the categories relation's
   columns, students and pct. Each row is one student, or `weight` students when given (rows
   already counted per school: see school_counts). #}
{% macro shares_within_groups(rows, group_keys, category_column, categories, category_key,
                              total_name, weight=none) -%}
{#- bigint, as count(*) is: a numeric sum would turn whole-number arithmetic downstream
    (percentage bands, disclosure) into fractions. -#}
{%- set students = 'sum(' ~ weight ~ ')::bigint' if weight else 'count(*)' -%}
group_totals as (
    select {{ group_keys | join(', ') }}, parent_area_level, parent_area_code,
        {{ students }} as {{ total_name }}
    from {{ rows }}
    group by {{ group_keys | join(', ') }}, parent_area_level, parent_area_code
),

category_counts as (
    select {{ group_keys | join(', ') }}, {{ category_column }} as category,
        {{ students }} as students
    from {{ rows }}
    group by {{ group_keys | join(', ') }}, {{ category_column }}
),

shares as (
    select
        group_totals.*,
        categories.*,
        coalesce(category_counts.students, 0) as students,
        {{ pct('coalesce(category_counts.students, 0)', 'group_totals.' ~ total_name) }} as pct
    from group_totals
    cross join {{ categories }} as categories
    left join category_counts
        on {% for key in group_keys -%}
        category_counts.{{ key }} = group_totals.{{ key }} and
        {% endfor -%}
        category_counts.category = categories.{{ category_key }}
)
{%- endmacro %}

{# Interviews counted per school, cycle and the given columns: the rows the area levels add up.
   Expanding every interview to four area levels (and sectors to two gender groups) first sorted
   eight rows per interview: 42 GB of sort files in a national full refresh. #}
{% macro school_counts(relation, columns) -%}
    select
        cohort, cycle, lep_area, la_code, school_urn, {{ columns | join(', ') }},
        count(*) as students
    from {{ relation }}
    group by cohort, cycle, lep_area, la_code, school_urn, {{ columns | join(', ') }}
{%- endmacro %}
