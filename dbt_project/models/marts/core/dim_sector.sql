select
    code as sector,
    label,
    growth_sector as is_growth_sector,
    code = 'undecided' as is_undecided
from {{ ref('sectors') }}
