{# Each tracked student's comparison rates on every basis of section 8: their local
   authority's rates for its own young people at risk of NEET, for young people of the
   student's SEN status at the last roster, and for all young people. NULL where the authority
   gave no such row; from a 1.1 file, only the combined rate for all young people. #}
with outcomes as (
    select * from {{ ref('int_destination_outcomes') }}
),

comparisons as (
    select * from {{ ref('stg_raw__destination_comparisons') }}
),

sen_groups as (
    select
        code as characteristic,
        roster_sen_status
    from {{ ref('comparison_characteristics') }}
    where roster_sen_status is not null
)

select
    outcomes.cohort,
    outcomes.student_key,
    at_risk.pct_neet as at_risk_pct_neet,
    at_risk.pct_not_known as at_risk_pct_not_known,
    at_risk.pct_neet_or_not_known as at_risk_pct_neet_or_not_known,
    sen.pct_neet as sen_pct_neet,
    sen.pct_not_known as sen_pct_not_known,
    sen.pct_neet_or_not_known as sen_pct_neet_or_not_known,
    everyone.pct_neet as everyone_pct_neet,
    everyone.pct_not_known as everyone_pct_not_known,
    everyone.pct_neet_or_not_known as everyone_pct_neet_or_not_known
from outcomes
left join sen_groups on outcomes.sen_status = sen_groups.roster_sen_status
left join comparisons as at_risk
    on outcomes.cohort = at_risk.cohort
    and outcomes.la_code = at_risk.la_code
    and at_risk.characteristic = 'at_risk'
left join comparisons as sen
    on outcomes.cohort = sen.cohort
    and outcomes.la_code = sen.la_code
    and sen_groups.characteristic = sen.characteristic
left join comparisons as everyone
    on outcomes.cohort = everyone.cohort
    and outcomes.la_code = everyone.la_code
    and everyone.characteristic = 'all'
