{# Each winning interview with the student's attributes as of that cycle's roster (contract
   section 6: school, local authority, LEP area and gender are those on that cycle's roster). #}
select
    interviews.cohort,
    interviews.cycle,
    interviews.student_key,
    interviews.school_urn,
    interviews.interview_date,
    interviews.adviser_id,
    interviews.mode,
    interviews.preferred_sector,
    interviews.post16_plan,
    {% for column in knowledge_area_columns() -%}
        interviews.{{ column }},
    {% endfor -%}
    interviews.neet_risk,
    interviews.predicted_destination,
    interviews.interventions,
    interviews.source_file_id,
    interviews.source_line_number,
    interviews.delivered_at,
    versions.student_version_key,
    versions.la_code,
    versions.lep_area,
    versions.gender,
    versions.year_group,
    versions.sen_status,
    versions.is_disadvantaged
from {{ ref('stg_raw__interviews') }} as interviews
inner join {{ ref('int_student_versions') }} as versions
    on interviews.cohort = versions.cohort
    and interviews.student_key = versions.student_key
    and interviews.cycle >= versions.valid_from_cycle
    and interviews.cycle <= coalesce(versions.valid_to_cycle, interviews.cycle)
