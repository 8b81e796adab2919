{{ config(alias='career_lead_students', materialized='table') }}
{# Each student's detail per cycle for their school's career lead: names and the action plan
   are personal data, so this table lives in `restricted`; career leads read it through
   career_lead.my_students, with row-level security keyed on their login's school. #}
{% set areas = knowledge_area_columns() %}
with names as (
    select distinct on (identity.student_key)
        identity.student_key, identity.forename, identity.surname
    from {{ source('restricted', 'roster_identity') }} as identity
    inner join {{ source('raw', 'file_load') }} as file_load using (file_id)
    where file_load.is_current
    order by identity.student_key, file_load.cohort desc, file_load.cycle desc
),

scores as (
    select
        cohort, cycle, student_key,
        {% for area in areas -%}
        max(score) filter (where knowledge_area = '{{ area[2:] }}') as {{ area }}
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('fct_knowledge_score') }}
    group by cohort, cycle, student_key
),

interventions as (
    select
        cohort, cycle, student_key,
        string_agg(intervention, '; ' order by intervention) as attended
    from {{ ref('fct_intervention_attendance') }}
    group by cohort, cycle, student_key
)

select
    roster.cohort,
    roster.cycle,
    roster.school_urn,
    roster.student_key,
    names.forename,
    names.surname,
    roster.gender,
    roster.year_group,
    roster.sen_status,
    roster.is_disadvantaged,
    interview.student_key is not null as was_interviewed,
    interview.interview_date,
    interview.preferred_sector,
    interview.post16_plan,
    interview.neet_risk,
    interview.predicted_destination,
    {% for area in areas -%}
    scores.{{ area }},
    scores.{{ area }} - previous.{{ area }} as {{ area }}_change,
    {% endfor -%}
    note.action_plan,
    interventions.attended as interventions_attended
-- Every student on the cycle's roster: the career lead follows up those not interviewed too.
from {{ ref('int_roster_students') }} as roster
left join {{ ref('fct_interview') }} as interview
    on interview.cohort = roster.cohort
    and interview.cycle = roster.cycle
    and interview.student_key = roster.student_key
left join names on names.student_key = roster.student_key
left join scores
    on scores.cohort = interview.cohort
    and scores.cycle = interview.cycle
    and scores.student_key = interview.student_key
left join scores as previous
    on previous.cohort = roster.cohort
    and previous.student_key = roster.student_key
    and previous.cycle = roster.cycle - 1
left join {{ source('restricted', 'interview_note') }} as note
    on note.file_id = interview.source_file_id
    and note.line_number = interview.source_line_number
left join interventions
    on interventions.cohort = interview.cohort
    and interventions.cycle = interview.cycle
    and interventions.student_key = interview.student_key
