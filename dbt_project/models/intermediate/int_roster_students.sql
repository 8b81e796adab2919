{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        unique_key=['cohort', 'cycle'],
        indexes=[{'columns': ['cohort', 'cycle']}],
        post_hook='analyze {{ this }}',
    )
}}
-- depends_on: {{ ref('cycles') }}
{# One row per student on roll per cohort and cycle, with the school's local authority and LEP
   area. A student on two rosters in one cycle (a move mid-cycle) counts at the school whose
   roster was delivered last. Rebuilt one (cohort, cycle) at a time, like the facts. #}
with ranked as (
    select
        rosters.*,
        row_number() over (
            partition by rosters.cohort, rosters.cycle, rosters.student_key
            order by roster_loads.delivery_order desc, rosters.source_file_id desc
        ) as roster_rank
    from {{ ref('stg_raw__rosters') }} as rosters
    inner join {{ ref('stg_raw__file_loads') }} as roster_loads
        on rosters.source_file_id = roster_loads.file_id
    {{ only_changed_cycles('rosters') }}
)

select
    ranked.cohort,
    ranked.cycle,
    ranked.student_key,
    ranked.school_urn,
    schools.la_code,
    authorities.lep_area,
    ranked.gender,
    ranked.year_group,
    ranked.sen_status,
    ranked.is_disadvantaged,
    ranked.attendance_pct,
    {{ loads_watermark() }} as built_from_loads_until
from ranked
inner join {{ ref('stg_raw__schools') }} as schools
    on ranked.cohort = schools.cohort and ranked.school_urn = schools.school_urn
inner join {{ ref('local_authorities') }} as authorities
    on schools.la_code = authorities.la_code
where ranked.roster_rank = 1
