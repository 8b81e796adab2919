{# Calendar days spanning every interview, with the UK academic year (September to August). #}
with bounds as (
    select
        coalesce(min(interview_date), current_date) as first_day,
        coalesce(max(interview_date), current_date) as last_day
    from {{ ref('stg_raw__interviews') }}
)

select
    calendar.calendar_day::date as date_day,
    extract(year from calendar.calendar_day)::integer as calendar_year,
    extract(month from calendar.calendar_day)::integer as calendar_month,
    to_char(calendar.calendar_day, 'Month YYYY') as month_label,
    (
        extract(year from calendar.calendar_day)
        - case when extract(month from calendar.calendar_day) < 9 then 1 else 0 end
    )::integer as academic_year_start,
    extract(isodow from calendar.calendar_day)::integer as iso_day_of_week
from bounds
cross join generate_series(
    date_trunc('month', bounds.first_day), bounds.last_day, interval '1 day'
) as calendar (calendar_day)
