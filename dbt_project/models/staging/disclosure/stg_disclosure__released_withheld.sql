{# Every cell an earlier release withheld: it stays withheld in every later release of its
   cohort, so comparing releases never shows what one of them withheld (contract 1.2 section 7). #}
with source as (
    select * from {{ source('disclosure', 'release_cell') }}
)

select
    cell_id,
    min(publication_id) as first_withheld_in
from source
where suppressed
group by cell_id
