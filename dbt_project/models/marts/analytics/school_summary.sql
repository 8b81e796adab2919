{# Each school's cohort by cycle, for LEP staff and career leads (not partners): who was on roll,
   who was interviewed, and the headline figures. #}
with rostered as (
    select
        cohort,
        cycle,
        school_urn,
        count(*) as students_on_roster,
        count(*) filter (where sen_status <> 'N') as students_with_sen,
        count(*) filter (where is_disadvantaged) as students_disadvantaged
    from {{ ref('int_roster_students') }}
    group by cohort, cycle, school_urn
)

select
    rostered.cohort,
    rostered.cycle,
    rostered.school_urn,
    schools.school_name,
    schools.local_authority,
    schools.lep_area,
    rostered.students_on_roster,
    rostered.students_with_sen,
    rostered.students_disadvantaged,
    coalesce(progress.students_interviewed, 0) as students_interviewed,
    {{ pct('coalesce(progress.students_interviewed, 0)', 'rostered.students_on_roster') }}
        as pct_interview_coverage,
    progress.pct_no_vision,
    progress.pct_with_post16_plan,
    progress.pct_predicted_eet,
    progress.mean_knowledge
from rostered
inner join {{ ref('dim_school') }} as schools on rostered.school_urn = schools.school_urn
left join {{ ref('cohort_progress') }} as progress
    on rostered.cohort = progress.cohort
    and rostered.cycle = progress.cycle
    and progress.area_level = 'school'
    and rostered.school_urn = progress.area_code
