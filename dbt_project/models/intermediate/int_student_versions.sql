{{ config(materialized='table') }}
{# The roster history as a slowly changing dimension: consecutive cycles with the same school,
   gender, year group, SEN status and disadvantage are one version, valid from its first cycle
   to its last (valid_to_cycle is null on the current version). #}
with cycles as (
    select
        *,
        md5(concat_ws('|', school_urn, gender, year_group, sen_status, is_disadvantaged))
            as attributes_hash
    from {{ ref('int_roster_students') }}
),

changes as (
    select
        *,
        case
            when lag(attributes_hash) over student_cycles = attributes_hash then 0 else 1
        end as starts_version
    from cycles
    window student_cycles as (partition by cohort, student_key order by cycle)
),

numbered as (
    select
        *,
        sum(starts_version) over (
            partition by cohort, student_key order by cycle rows unbounded preceding
        ) as version_number
    from changes
),

versions as (
    select
        cohort,
        student_key,
        version_number,
        min(cycle) as valid_from_cycle,
        max(cycle) as last_cycle_seen,
        min(school_urn) as school_urn,
        min(la_code) as la_code,
        min(lep_area) as lep_area,
        min(gender) as gender,
        min(year_group) as year_group,
        min(sen_status) as sen_status,
        bool_or(is_disadvantaged) as is_disadvantaged
    from numbered
    group by cohort, student_key, version_number
)

select
    md5(concat_ws('|', cohort, student_key, valid_from_cycle)) as student_version_key,
    cohort,
    student_key,
    version_number,
    valid_from_cycle,
    lead(valid_from_cycle) over student_versions - 1 as valid_to_cycle,
    lead(valid_from_cycle) over student_versions is null as is_current,
    school_urn,
    la_code,
    lep_area,
    gender,
    year_group,
    sen_status,
    is_disadvantaged
from versions
window student_versions as (partition by cohort, student_key order by valid_from_cycle)
