{# The comparison of section 8 (contract 1.2). #}

{# One end of the 95 % Wilson score interval (z exactly 1.96) of `events` out of `trials`:
   (x + z²/2 ± z √(x(n - x)/n + z²/4)) / (n + z²), the usual formula with n multiplied through.
   The root is carried at 40 decimal places, so the one rounding at the end is exact. #}
{% macro wilson_bound(events, trials, side) -%}
    (
        ({{ events }}) + 1.9208
        {{ '+' if side == 'upper' else '-' }} 1.96 * sqrt(
            round(({{ events }})::numeric * (({{ trials }}) - ({{ events }})), 40)
            / ({{ trials }}) + 0.9604
        )
    ) / (({{ trials }}) + 3.8416)
{%- endmacro %}

{# The sums over an area's tracked students of their rates on one basis (`prefix`: at_risk, sen
   or everyone), for a GROUP BY over `relation`: whether every student has a rate, and the
   sums of NEET and not known (NULL unless every student has them apart: a 1.1 rate is the
   combined one only). #}
{% macro basis_sums(relation, prefix) -%}
    bool_and({{ relation }}.{{ prefix }}_pct_neet_or_not_known is not null)
        as {{ prefix }}_covers,
    case
        when count({{ relation }}.{{ prefix }}_pct_neet) = count(*)
            then sum({{ relation }}.{{ prefix }}_pct_neet)
    end as {{ prefix }}_neet_sum,
    case
        when count({{ relation }}.{{ prefix }}_pct_not_known) = count(*)
            then sum({{ relation }}.{{ prefix }}_pct_not_known)
    end as {{ prefix }}_not_known_sum,
    sum({{ relation }}.{{ prefix }}_pct_neet_or_not_known) as {{ prefix }}_combined_sum
{%- endmacro %}

{# The sum `what` (neet, not_known or combined) on the area's comparison basis. #}
{% macro on_basis(what) -%}
    case
        when at_risk_covers then at_risk_{{ what }}_sum
        when sen_covers then sen_{{ what }}_sum
        when everyone_covers then everyone_{{ what }}_sum
    end
{%- endmacro %}

{# Money to the nearest £1,000, half away from zero: `young_people` x a lifetime cost. #}
{% macro to_nearest_thousand_gbp(young_people, cost_var) -%}
    round(({{ young_people }}) * {{ var(cost_var) }} / 1000) * 1000
{%- endmacro %}
