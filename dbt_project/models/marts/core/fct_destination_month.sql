{{ config(materialized='table') }}
{# One row per tracked student and month of the destination window (contract section 8): the
   students on the cohort's cycle 7 roster, placed at that roster's school, from the September
   after Year 11 to the following March. A month no local authority reported is not_known. #}
with tracked as (
    select
        cohort,
        student_key,
        school_urn,
        la_code,
        lep_area
    from {{ ref('int_roster_students') }}
    where cycle = 7
),

months as (
    select
        tracked.cohort,
        tracked.student_key,
        tracked.school_urn,
        tracked.la_code,
        tracked.lep_area,
        window_month.month_number,
        (
            make_date(tracked.cohort + 2, 9, 1)
            + (window_month.month_number - 1) * interval '1 month'
        )::date as activity_month
    from tracked
    cross join generate_series(1, 7) as window_month (month_number)
)

select
    months.cohort,
    months.student_key,
    months.activity_month,
    months.month_number,
    months.school_urn,
    months.la_code,
    months.lep_area,
    activities.code as activity,
    activities."group" as activity_group,
    reported.activity is not null as is_reported,
    reported.source_file_id,
    reported.source_line_number
from months
left join {{ ref('stg_raw__destinations') }} as reported
    on months.cohort = reported.cohort
    and months.student_key = reported.student_key
    and months.activity_month = reported.activity_month
inner join {{ ref('destination_activities') }} as activities
    on activities.code = coalesce(reported.activity, 'not_known')
