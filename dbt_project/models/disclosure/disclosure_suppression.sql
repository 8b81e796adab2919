{{
    per_cohort_incremental(
        post_hook="{{ drop_suppression_of_cohorts_gone() }}",
    )
}}
{# Which cells are withheld: the small ones (primary) and, line by line, the next smallest where a
   line would otherwise give a withheld cell away (macros/suppression.sql). A line never crosses
   a cohort (its cells and its total share one), so a cohort's suppression follows from its own
   cells, its lines and the rules alone, and only a cohort where one of those changed is worked
   out again. Which cohorts changed is read from the cells themselves, not from the loads: the
   disclosure audit's forced cells and an earlier release's withheld cells change `is_primary`
   without a load, and a new version of the rules changes `rules_digest`. #}
{% set rules %}{{ secondary_suppression() }}{% endset %}
{# Dollar-quoted: the rules' SQL holds quotes of its own. #}
{% set rules_digest %}md5($rules${{ rules }}$rules$){% endset %}
{% set inputs = 'cell_id, cohort, n, is_primary, parent_cell_id, group_cell_id, gender_cell_id' %}
with counts as (
    select
        *,
        {{ rules_digest }} as rules_digest
    from {{ ref('disclosure_counts') }}
),

changed_cohorts as (
    {{ cohorts_whose_cells_changed('counts', inputs ~ ', rules_digest') }}
),

cells as (
    select * from counts
    {{ where_incremental('cohort in (select changed_cohorts.cohort from changed_cohorts)') }}
),

lines as (
    select * from {{ ref('disclosure_lines') }}
    {{ where_incremental('cell_id in (select cells.cell_id from cells)') }}
),

{{ rules }}

select
    cells.cell_id,
    cells.family,
    cells.cohort,
    cells.cycle,
    cells.area_level,
    cells.area_code,
    cells.breakdown,
    cells.category,
    cells.n,
    cells.is_primary,
    cells.parent_cell_id,
    cells.group_cell_id,
    cells.gender_cell_id,
    cells.rules_digest,
    suppression.suppressed
from cells
inner join suppression on cells.cell_id = suppression.cell_id
