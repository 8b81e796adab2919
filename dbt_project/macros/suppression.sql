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
