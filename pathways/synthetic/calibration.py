"""The pilot's published figures the synthetic cohort reproduces (issue 2), by cycle 1..7.

Rates are fractions of the students interviewed; knowledge means are on the 1-5 scale.
"""

from __future__ import annotations

UNDECIDED = (0.13, 0.15, 0.12, 0.10, 0.08, 0.07, 0.06)  # no career vision: 13 % -> 6 %
UNSURE_PLAN = (0.245, 0.19, 0.15, 0.11, 0.07, 0.04, 0.02)  # post-16 plan: 75 % -> 98 %
PREDICTED_EET = (0.80, 0.83, 0.86, 0.89, 0.92, 0.95, 0.97)  # 97 % at cycle 7

# Knowledge means at cycles 1, 2 and 7; 3-6 are interpolated. Cycle 2: English and maths
# highest (3.5), FE options and career information next (2.7), training providers and
# traineeships lowest. The mean first->latest improvement over the twelve areas is ~113 %.
KNOWLEDGE_MEANS = {
    "english_maths": (3.30, 3.50, 4.45),
    "fe_options": (2.40, 2.70, 4.40),
    "career_information": (2.40, 2.70, 4.30),
    "sixth_form": (2.20, 2.45, 4.20),
    "apprenticeships": (2.00, 2.30, 4.30),
    "traineeships": (1.30, 1.50, 3.35),
    "training_providers": (1.35, 1.55, 3.45),
    "t_levels": (1.50, 1.75, 3.70),
    "higher_education": (1.95, 2.20, 4.00),
    "labour_market": (1.65, 1.90, 3.85),
    "employability": (1.90, 2.15, 4.30),
    "applications": (1.75, 2.00, 4.10),
}

# Preferred sector of students with a vision, by gender. No girls in advanced manufacturing
# or energy; boys lean to advanced manufacturing, construction and energy. Cultural/creative
# is the top sector (~20 % of all students at cycle 2).
SECTOR_WEIGHTS = {
    "F": {
        "creative_cultural_leisure": 22, "health_social_care": 20, "education_childcare": 11,
        "hospitality_retail": 8, "digital": 5, "public_uniformed": 6, "financial_professional": 6,
        "life_sciences": 6, "construction": 1.5, "logistics": 1.5, "agriculture_environment": 3,
        "clean_energy": 1, "chemicals_process": 1,
    },
    "M": {
        "creative_cultural_leisure": 18, "construction": 15, "advanced_manufacturing": 10,
        "digital": 12, "energy": 7, "public_uniformed": 8, "hospitality_retail": 6, "logistics": 5,
        "financial_professional": 4, "health_social_care": 4, "clean_energy": 3,
        "chemicals_process": 2, "agriculture_environment": 2, "life_sciences": 2,
        "education_childcare": 1,
    },
}  # fmt: skip
SECTOR_WEIGHTS["U"] = {
    sector: (SECTOR_WEIGHTS["F"].get(sector, 0) + SECTOR_WEIGHTS["M"].get(sector, 0)) / 2
    for sector in SECTOR_WEIGHTS["M"]
    if sector not in ("advanced_manufacturing", "energy")
}

# Plans of students who have one: FE college ~40 % of all students at cycle 2.
PLAN_WEIGHTS = {
    "fe_college": 45, "sixth_form": 22, "apprenticeship": 17, "training_provider": 4,
    "employment_with_training": 4, "traineeship": 2, "armed_forces": 2,
}  # fmt: skip

INTERVIEW_HELD = 0.96  # share of rostered students interviewed in a cycle
NOT_ASSESSED = 0.04  # share of knowledge scores left blank
SECTOR_SWITCH = 0.12  # chance a student's sector changes between cycles
PLAN_SWITCH = 0.10


def knowledge_mean(area: str, cycle: int) -> float:
    first, second, last = KNOWLEDGE_MEANS[area]
    if cycle == 1:
        return first
    return second + (last - second) * (cycle - 2) / 5


# Destinations after Year 11 (contract section 8). Synthetic, NOT the programme's figures: a
# plausible shape tied to each student's last interview. A student's months follow one path:
# sustained EET (a one-month NEET spell in some), EET then dropping out to NEET, NEET, or not
# known. The last prediction and NEET risk set the chances (eet, drop out, neet; the rest not
# known); a high risk moves 0.10 from sustained EET to NEET.
DESTINATION_PATHS = {
    "eet": (0.86, 0.06, 0.04),
    "unknown": (0.60, 0.10, 0.15),
    "neet": (0.40, 0.10, 0.30),
}
EET_SPELL = 0.08  # share of sustained students with one NEET month
MONTH_UNREPORTED = 0.03  # each month missing from the LA's file (counts as not known)
CUSTODY = 0.002
GAP_YEAR = 0.03  # other activities (gap year, re-engagement): the group `other`
# Each local authority's comparison rates (contract 1.2 section 8): (NEET, not known) ranges in %,
# drawn uniformly per authority. The sources and why these ranges: README "Comparison rates".
COMPARISON_RATES = {
    "all": ((2.8, 4.8), (1.0, 2.8)),  # 16-17 year olds, DfE participation statistics
    "sen_none": ((2.2, 3.8), (0.9, 2.5)),
    "sen_support": ((5.0, 8.0), (1.5, 3.5)),
    "ehcp": ((7.0, 11.0), (1.2, 3.0)),
    "at_risk": ((7.0, 11.0), (3.0, 6.0)),  # an authority's own risk-of-NEET group (assumed)
}
# The programme's report: a NEET point across 15 schools' Year 11 is worth £1.85 m at £77,000,
# so their rolls add up to 2,403 pupils (160.2 a school).
YEAR11_PUPILS_PER_15_SCHOOLS = 2403
YEAR11_PUPILS_RANGE = (120, 200)
SURVEYED = 0.7  # of tracked students, answer the follow-up survey
HAPPY_ANSWERS = {"Y": 0.84, "N": 0.09, "U": 0.07}
