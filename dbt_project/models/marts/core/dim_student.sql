{# Pseudonymous students as a slowly changing dimension by cycle: no UPN, name or birth date. #}
select * from {{ ref('int_student_versions') }}
