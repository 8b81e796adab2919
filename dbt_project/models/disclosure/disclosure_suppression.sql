{# Which cells are withheld: the small ones (primary) and, line by line, the next smallest where a
   line would otherwise give a withheld cell away (macros/suppression.sql). #}
with cells as (
    select * from {{ ref('disclosure_counts') }}
),

lines as (
    select * from {{ ref('disclosure_lines') }}
),

{{ secondary_suppression() }}

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
    suppression.suppressed
from cells
inner join suppression on cells.cell_id = suppression.cell_id
