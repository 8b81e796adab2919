{# The twelve knowledge columns of the interview extract, in the order of the
   knowledge_areas seed (a singular test keeps the two in step). #}
{% macro knowledge_area_columns() -%}
    {{ return([
        'k_english_maths', 'k_fe_options', 'k_career_information', 'k_sixth_form',
        'k_apprenticeships', 'k_traineeships', 'k_training_providers', 'k_t_levels',
        'k_higher_education', 'k_labour_market', 'k_employability', 'k_applications',
    ]) }}
{%- endmacro %}
