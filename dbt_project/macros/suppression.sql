{#
  Small-number suppression (contract section 7).

  A *cell* is one published count (and the figures computed from it): `cells` must be a CTE with
  cell_id, n (the count) and is_primary (the count is 1..threshold-1, or its whole group is
  smaller than the threshold). A *line* is a set of cells that add up to a total cell that is
  published or can be worked out: `lines` must be a CTE of (line_id, cell_id, is_total).

  Secondary suppression: a line in which exactly one cell is withheld would give that cell
  away by subtraction, so the next smallest visible cell of the line is withheld too (a
  non-zero member first, then a zero member, then the total). Withholding one cell can expose
  another line, so this repeats for a fixed number of rounds; a singular test checks that no
  line is left with exactly one withheld cell.

  Emits CTEs ending in `suppression` (cell_id, suppressed); the caller starts with `with`.
#}
{% macro secondary_suppression(cells='cells', lines='lines', rounds=6) -%}
suppression_0 as (
    select cell_id, n, is_primary as suppressed from {{ cells }}
),
{% for round in range(1, rounds + 1) -%}
line_state_{{ round }} as (
    select
        line.line_id,
        line.cell_id,
        line.is_total,
        state.n,
        state.suppressed,
        count(*) filter (where state.suppressed) over (partition by line.line_id) as withheld
    from {{ lines }} as line
    inner join suppression_{{ round - 1 }} as state using (cell_id)
),
next_smallest_{{ round }} as (
    select distinct on (line_id) cell_id
    from line_state_{{ round }}
    where withheld = 1 and not suppressed
    order by line_id, is_total, n = 0, n, cell_id
),
suppression_{{ round }} as (
    select
        state.cell_id,
        state.n,
        state.suppressed or state.cell_id in (select cell_id from next_smallest_{{ round }})
            as suppressed
    from suppression_{{ round - 1 }} as state
),
{% endfor -%}
suppression as (
    select cell_id, suppressed from suppression_{{ rounds }}
)
{%- endmacro %}

{# Lines along the area hierarchy: each area's cell is the total of its child areas' cells with
   the same other keys (region = LEP areas, LEP area = its authorities, authority = its schools). #}
{% macro area_hierarchy_lines(cells, keys) -%}
    select 'area|' || parent.cell_id as line_id, parent.cell_id, true as is_total
    from {{ cells }} as parent
    where parent.area_level <> 'school'
    union all
    select 'area|' || parent.cell_id as line_id, child.cell_id, false as is_total
    from {{ cells }} as child
    inner join {{ cells }} as parent
        on parent.area_level = child.parent_area_level
        and parent.area_code = child.parent_area_code
        {% for key in keys -%}
        and parent.{{ key }} = child.{{ key }}
        {% endfor %}
{%- endmacro %}

{# A count shown only when at or above the threshold and not withheld. #}
{% macro is_small(count) -%}
    ({{ count }} between 1 and {{ var('suppression_threshold') }} - 1)
{%- endmacro %}

{% macro cell_id(columns) -%}
    concat_ws('|', {{ columns | join(', ') }})
{%- endmacro %}

{#
  Shares of a group (plans, sectors, ...), published with suppression. `rows` has one row per
  group and category with `students`, the group's `total_column` and the area columns;
  group_keys name a group in cell-id order (cohort, area_level, area_code, cycle, ...).
  Each group's total is a cell too: its categories add up to it.
#}
{% macro category_cells(rows, group_keys, category, total_column) -%}
    {%- set other_keys = group_keys | reject('in', ['area_level', 'area_code']) | list -%}
    select
        {{ cell_id(group_keys + [category]) }} as cell_id,
        students as n,
        {{ is_small('students') }}
            or {{ total_column }} < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        {{ other_keys | join(', ') }},
        {{ category }}
    from {{ rows }}
    union all
    select distinct
        {{ cell_id(group_keys + ["'total'"]) }} as cell_id,
        {{ total_column }} as n,
        {{ total_column }} < {{ var('suppression_threshold') }} as is_primary,
        {{ area_columns() }},
        {{ other_keys | join(', ') }},
        'total' as {{ category }}
    from {{ rows }}
{%- endmacro %}

{# The line of each group: its categories add up to its total cell. #}
{% macro group_total_lines(cells, group_keys, category) -%}
    select
        {{ cell_id(["'group'"] + group_keys) }} as line_id,
        cell_id,
        {{ category }} = 'total' as is_total
    from {{ cells }}
{%- endmacro %}

{# The published rows: a withheld cell shows no count; a share also needs its total shown. #}
{% macro withheld_shares(rows, group_keys, category) -%}
    {%- set keys = group_keys + [category] -%}
    select
        {% for key in keys -%}
        {{ rows }}.{{ key }},
        {% endfor -%}
        case when not cell.suppressed then {{ rows }}.students end as students,
        case when not (cell.suppressed or total.suppressed) then {{ rows }}.pct end as pct,
        cell.suppressed or total.suppressed as suppressed,
        {{ loads_watermark() }} as built_from_loads_until
    from {{ rows }}
    inner join suppression as cell
        on cell.cell_id = {{ cell_id(prefixed(rows, keys)) }}
    inner join suppression as total
        on total.cell_id = {{ cell_id(prefixed(rows, group_keys) + ["'total'"]) }}
{%- endmacro %}

{% macro prefixed(relation, columns) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append(relation ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ return(qualified) }}
{%- endmacro %}
