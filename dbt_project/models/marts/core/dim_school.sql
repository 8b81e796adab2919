{# One row per school, with the attributes from the latest cohort that names it. #}
with latest as (
    select distinct on (school_urn) *
    from {{ ref('stg_raw__schools') }}
    order by school_urn asc, cohort desc
)

select
    latest.school_urn,
    latest.school_name,
    latest.la_code,
    authorities.name as local_authority,
    authorities.lep_area,
    latest.cohort as latest_cohort
from latest
inner join {{ ref('local_authorities') }} as authorities on latest.la_code = authorities.la_code
