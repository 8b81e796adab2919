{# Each local authority's comparison rates, one row per characteristic (contract section 8).
   Where comparison.csv and comparison.xlsx both give a row, the file delivered last wins. A 1.2
   row's combined rate is the exact sum of its two parts; a 1.1 row gives only the combined
   rate, for all young people. #}
with ranked as (
    {{ ranked_by_delivery(
        source('raw', 'destination_comparison'), 'comparisons',
        ['cohort', 'la_code', 'characteristic']
    ) }}
)

select
    cohort,
    la_code,
    characteristic,
    pct_neet,
    pct_not_known,
    coalesce(pct_neet + pct_not_known, pct_neet_or_not_known) as pct_neet_or_not_known,
    file_id as source_file_id,
    line_number as source_line_number
from ranked
where delivery_rank = 1
