{# Each winning interview with the student's attributes as of that cycle's roster (contract
   section 6: school, local authority, LEP area and gender are those on that cycle's roster). #}
select
    interviews.*,
    versions.student_version_key,
    versions.la_code,
    versions.lep_area,
    versions.gender,
    versions.year_group,
    versions.sen_status,
    versions.is_disadvantaged
from {{ ref('stg_raw__interviews') }} as interviews
inner join {{ ref('int_student_versions') }} as versions
    on versions.cohort = interviews.cohort
    and versions.student_key = interviews.student_key
    and interviews.cycle >= versions.valid_from_cycle
    and interviews.cycle <= coalesce(versions.valid_to_cycle, interviews.cycle)
