select
    code as intervention,
    label
from {{ ref('interventions') }}
