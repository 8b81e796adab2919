{{
    per_cycle_incremental(
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['cohort', 'cycle']}],
    )
}}
-- depends_on: {{ ref('cycles') }}
{# One row per student on roll per cohort and cycle, with the school's local authority and LEP
   area. A student on two rosters in one cycle (a move mid-cycle) counts at the school whose
   roster was delivered last. Rebuilt one (cohort, cycle) at a time, like the facts. #}
with ranked as (
    {{ ranked_by_delivery(
        ref('stg_raw__rosters'), 'rosters', ['cohort', 'cycle', 'student_key'],
        file_id='source_file_id', where=only_changed_cycles('rosters')
    ) }}
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
where ranked.delivery_rank = 1
