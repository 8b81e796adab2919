{# Each local authority's published NEET-or-not-known rate for the whole year group: the
   baseline the programme's students are compared with. #}
select
    comparisons.cohort,
    comparisons.la_code,
    comparisons.pct_neet_or_not_known,
    comparisons.file_id as source_file_id,
    comparisons.line_number as source_line_number
from {{ source('raw', 'destination_comparison') }} as comparisons
