{# Pseudonymous students as a slowly changing dimension by cycle: no UPN, name or birth date. #}
select
    student_version_key,
    cohort,
    student_key,
    version_number,
    valid_from_cycle,
    valid_to_cycle,
    is_current,
    school_urn,
    la_code,
    lep_area,
    gender,
    year_group,
    sen_status,
    is_disadvantaged
from {{ ref('int_student_versions') }}
