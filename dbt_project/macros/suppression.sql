{#
  Small-number suppression (contract section 7), judged across everything published together.

  A *cell* is one published count and the figures computed from it (its percentage, its mean).
  Every count any partner view shows, or lets a reader work out through a percentage, is one
  cell of `disclosure.disclosure_counts`, shared by all views: `pct_no_vision` is the
  `undecided` sector cell, `pct_with_post16_plan` the `unsure` plan cell, `pct_predicted_eet`
  the predicted `eet` / `not_eet` cells. A *line* is a set of cells that add up to a total cell
  (`disclosure.disclosure_lines`).

  Secondary suppression: a line in which exactly one cell is withheld would give that cell
  away by subtraction, so the next smallest visible cell of the line is withheld too (a
  non-zero member first, then a zero member, then the total). Withholding one cell can expose
  another line, so this repeats for a fixed number of rounds; a singular test fails the build
  if any line is left with exactly one withheld cell.

  Emits CTEs ending in `suppression` (cell_id, suppressed); the caller starts with `with`.
#}
{% macro secondary_suppression(cells='cells', lines='lines', rounds=12) -%}
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
    inner join suppression_{{ round - 1 }} as state on line.cell_id = state.cell_id
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

{# A count shown only when at or above the threshold and not withheld. #}
{% macro is_small(count) -%}
    ({{ count }} between 1 and {{ var('suppression_threshold') }} - 1)
{%- endmacro %}

{# The one name of a cell, used by the disclosure models and by every publication model that
   looks its cells up: family, cohort, cycle ('-' for whole-cohort figures), area, breakdown
   (a gender, or '-') and category ('-' for the students interviewed). #}
{% macro disclosure_cell_id(family, cohort, cycle, area_level, area_code, breakdown="'-'",
                            category="'-'") -%}
    concat_ws('|', {{ family }}, {{ cohort }}, coalesce(({{ cycle }})::text, '-'),
        {{ area_level }}, {{ area_code }}, {{ breakdown }}, {{ category }})
{%- endmacro %}

{# Joins a publication model's rows to their cells' suppression: `alias` is the cell's name. #}
{% macro join_cell(alias, family, relation, breakdown="'-'", category="'-'", cycle=none,
                   outer=false) -%}
    {{ 'left' if outer else 'inner' }} join {{ ref('disclosure_suppression') }} as {{ alias }}
        on {{ alias }}.cell_id = {{ disclosure_cell_id(
            "'" ~ family ~ "'", relation ~ '.cohort',
            (relation ~ '.cycle') if cycle is none else cycle,
            relation ~ '.area_level', relation ~ '.area_code', breakdown, category) }}
{%- endmacro %}

{# The area columns every partner view carries (contract 1.1): name and containing areas. #}
{% macro published_area_columns(relation) -%}
    {{ relation }}.cohort,
    {{ relation }}.area_level,
    {{ relation }}.area_code,
    areas.area_name,
    areas.lep_area,
    areas.local_authority
{%- endmacro %}

{% macro join_area(relation) -%}
    inner join {{ ref('dim_area') }} as areas
        on areas.area_level = {{ relation }}.area_level
        and areas.area_code = {{ relation }}.area_code
{%- endmacro %}

{# The 10-point band that holds numerator / denominator exactly (contract 1.2 section 7:
   `90-100`, ..., `0-10`; a value on a boundary belongs to the higher band), in whole-number
   arithmetic. #}
{% macro percentage_band(numerator, denominator) -%}
    (least(10 * ({{ numerator }}) / ({{ denominator }}), 9) * 10)::text || '-'
    || ((least(10 * ({{ numerator }}) / ({{ denominator }}), 9) + 1) * 10)::text
{%- endmacro %}

{# A withheld percentage's band, shown where the percentage is withheld only because its
   numerator or its complement is from 1 to threshold-1 while its total is shown (contract 1.2
   section 7), unless the disclosure audit found the band gives a count away (`band|...` in
   disclosure.forced_withheld, pathways/publish/disclosure.py). `small` is one side's count,
   `total` the total's cell, `numerator` the percentage's numerator. #}
{% macro band_if_only_small(column, withheld, total, small, numerator, relation) -%}
    case
        when {{ withheld }} and not {{ total }}.suppressed
            and ({{ is_small(small) }} or {{ is_small(total ~ '.n - ' ~ small) }})
            and concat_ws(
                '|', 'band', '{{ column }}', {{ relation }}.cohort, {{ relation }}.cycle,
                {{ relation }}.area_level, {{ relation }}.area_code
            ) not in (select forced_band.cell_id from forced as forced_band)
            then {{ percentage_band(numerator, total ~ '.n') }}
    end
{%- endmacro %}

{# A cohort with no cell left (every load of it withdrawn) has no rows for the incremental
   build to replace its old ones with: they go here. #}
{% macro drop_suppression_of_cohorts_gone() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where cohort not in (select distinct counts.cohort from {{ ref('disclosure_counts') }} as counts)
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{# The cohorts of `cells` whose `columns` differ from this model's stored rows, either way
   round (a cell new, changed or gone); none on a first build or a full refresh, which filter
   nothing (where_incremental). #}
{% macro cohorts_whose_cells_changed(cells, columns) -%}
    {%- if is_incremental() -%}
        {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set missing = columns.split(', ') | reject('in', stored) | list -%}
    {%- endif -%}
    {%- if not is_incremental() -%}
    select null::integer as cohort
    {%- elif missing -%}
    {#- A table of an earlier release, without the columns to compare: every cohort. #}
    select distinct {{ cells }}.cohort from {{ cells }}
    {%- else -%}
    select new_or_changed.cohort
    from (
        select {{ columns }} from {{ cells }}
        except
        select {{ columns }} from {{ this }}
    ) as new_or_changed
    union
    select changed_or_gone.cohort
    from (
        select {{ columns }} from {{ this }}
        except
        select {{ columns }} from {{ cells }}
    ) as changed_or_gone
    {%- endif -%}
{%- endmacro %}

{# `where condition` on an incremental run; nothing on a first build or a full refresh. #}
{% macro where_incremental(condition) -%}
    {%- if is_incremental() %}
    where {{ condition }}
    {%- endif %}
{%- endmacro %}
