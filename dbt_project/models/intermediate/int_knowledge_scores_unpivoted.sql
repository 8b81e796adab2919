{# One row per student x cycle x knowledge area that was assessed (blank = not assessed). #}
select
    interviews.cohort,
    interviews.cycle,
    interviews.student_key,
    areas.code as knowledge_area,
    scores.score
from {{ ref('stg_raw__interviews') }} as interviews
cross join
    lateral (
        values
        {% for column in knowledge_area_columns() -%}
            ('{{ column }}', interviews.{{ column }}){{ "," if not loop.last }}
        {% endfor %}
    ) as scores (knowledge_column, score)
inner join {{ ref('knowledge_areas') }} as areas on scores.knowledge_column = areas."column"
where scores.score is not null
