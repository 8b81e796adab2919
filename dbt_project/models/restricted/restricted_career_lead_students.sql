{{
    per_cycle_incremental(
        alias='career_lead_students',
        on_schema_change='append_new_columns',
        post_hook="{{ refresh_names_of_earlier_cycles() }}",
    )
}}
-- depends_on: {{ ref('cycles') }}, {{ ref('stg_raw__file_loads') }}
{# Each student's detail per cycle for their school's career lead: names and the action plan
   are personal data, so this table lives in `restricted`; career leads read it through
   career_lead.my_students, with row-level security keyed on their login's school. Rebuilt per
   changed cycle and the cycle after it (its score changes read the one before). A student's
   name is the one on the latest roster of the cohort, so a later roster's name reaches the
   earlier cycles too: the post-hook updates those rows in place, only where the name changed. #}
{% set areas = knowledge_area_columns() %}
with names as (
    {{ latest_roster_names(changed_cohorts_or_none()) }}
),

scores as (
    select
        cohort,
        cycle,
        student_key,
        {% for area in areas -%}
            max(score) filter (where knowledge_area = '{{ area[2:] }}') as {{ area }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('fct_knowledge_score') }}
    {{ only_changed_cycles(offsets=[-1, 0, 1]) }}
    group by cohort, cycle, student_key
),

interventions as (
    select
        cohort,
        cycle,
        student_key,
        string_agg(intervention, '; ' order by intervention) as attended
    from {{ ref('fct_intervention_attendance') }}
    {{ only_changed_cycles(offsets=[0, 1]) }}
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
    interventions.attended as interventions_attended,
    {{ loads_watermark() }} as built_from_loads_until,
    {{ build_clock() }} as built_at
-- Every student on the cycle's roster: the career lead follows up those not interviewed too.
from {{ ref('int_roster_students') }} as roster
left join {{ ref('fct_interview') }} as interview
    on roster.cohort = interview.cohort
    and roster.cycle = interview.cycle
    and roster.student_key = interview.student_key
left join names on roster.cohort = names.cohort and roster.student_key = names.student_key
left join scores
    on interview.cohort = scores.cohort
    and interview.cycle = scores.cycle
    and interview.student_key = scores.student_key
left join scores as previous
    on roster.cohort = previous.cohort
    and roster.student_key = previous.student_key
    and previous.cycle = roster.cycle - 1
left join {{ ref('stg_restricted__interview_notes') }} as note
    on interview.source_file_id = note.source_file_id
    and interview.source_line_number = note.source_line_number
left join interventions
    on interview.cohort = interventions.cohort
    and interview.cycle = interventions.cycle
    and interview.student_key = interventions.student_key
{{ only_changed_cycles('roster', offsets=[0, 1]) }}
