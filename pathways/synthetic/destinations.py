"""Each local authority's destinations file: what the cohort did month by month after Year 11."""

from __future__ import annotations

import random

from pathways.synthetic import calibration as cal
from pathways.synthetic.model import DESTINATION_HEADER, Student

PLAN_ACTIVITY = {
    "fe_college": "education", "sixth_form": "education", "apprenticeship": "apprenticeship",
    "traineeship": "training", "training_provider": "training",
    "employment_with_training": "employment_with_training",
    "armed_forces": "employment_with_training", "unsure": "employment_without_training",
}  # fmt: skip
PROVIDERS = {
    "education": ["{la} College", "{la} Sixth Form Centre"],
    "apprenticeship": ["{la} Engineering Ltd", "North Care Group"],
    "training": ["{la} Skills Hub"],
    "employment_with_training": ["{la} Council", "Riverside Logistics"],
    "employment_without_training": ["Riverside Retail", "Harbour Cafe"],
}


def _months(student: Student, rng: random.Random) -> list[str]:
    """Seven activities, September to March, along one of the calibrated paths."""
    destination, risk = student.last_prediction
    sustained, drop_out, neet = cal.DESTINATION_PATHS[destination]
    if risk == "high":
        sustained, neet = sustained - 0.10, neet + 0.10
    eet = PLAN_ACTIVITY.get(student.plan, "education")
    draw = rng.random()
    if rng.random() < cal.CUSTODY:
        return ["custody"] * 7
    if rng.random() < cal.GAP_YEAR:
        return ["other"] * 7
    if draw < sustained:
        months = [eet] * 7
        if rng.random() < cal.EET_SPELL:
            months[rng.randrange(1, 7)] = "neet_available"
        return months
    if draw < sustained + drop_out:
        left = rng.randrange(2, 6)
        return [eet] * left + ["neet_available"] * (7 - left)
    if draw < sustained + drop_out + neet:
        return [rng.choice(["neet_available", "neet_available", "neet_not_available"])] * 7
    return ["not_known"] * 7


def _reported_months(people, months, rng, names) -> dict[str, list[list[str]]]:
    """Each local authority's rows: a student's activity in each month it was reported."""
    by_la: dict[str, list[list[str]]] = {}
    for student in people:
        la = student.school.la_code
        providers = {a: rng.choice(options).format(la=names[la]) for a, options in
                     PROVIDERS.items()}  # fmt: skip
        for month, activity in zip(months, _months(student, rng), strict=True):
            if rng.random() < cal.MONTH_UNREPORTED:
                continue
            row = [student.upn, month, activity, "", providers.get(activity, "")]
            by_la.setdefault(la, []).append(row)
    return by_la


def _in_the_authoritys_style(index: int, rows: list[list[str]], codes) -> list[list[str]]:
    """Every third authority sends NCCIS codes only, and the next one labels with a date."""
    if index % 3 == 1:
        nccis = {}
        for code, activity in sorted(codes.nccis.items(), reverse=True):
            nccis[activity] = code  # the lowest code of each activity
        return [[upn, month, "", nccis[activity], provider]
                for upn, month, activity, _, provider in rows]  # fmt: skip
    if index % 3 == 2:
        labels = {row["code"]: row["label"] for row in codes.activities.rows}
        return [[upn, f"{month}-01", labels[activity], "", provider]
                for upn, month, activity, _, provider in rows]  # fmt: skip
    return rows


def comparison_rows(authorities: list[str], rng: random.Random) -> list[list[str]]:
    """Contract 1.2 rates of each authority for every characteristic, its own risk-of-NEET
    group's included, so the demo's comparison is like for like (the fallbacks are tested)."""
    rows = []
    for la in sorted(authorities):
        for characteristic, ranges in cal.COMPARISON_RATES.items():
            (neet_low, neet_high), (nk_low, nk_high) = ranges
            neet, not_known = rng.uniform(neet_low, neet_high), rng.uniform(nk_low, nk_high)
            rows.append([la, characteristic, f"{neet:.1f}", f"{not_known:.1f}"])
    return rows


def survey_rows(people, cohort: int, rng: random.Random) -> list[list[str]]:
    """The follow-up survey: most tracked students answer, October to January."""
    answers, weights = zip(*cal.HAPPY_ANSWERS.items(), strict=True)
    spellings = {"Y": "Yes", "N": "No", "U": "Unsure"}
    rows = []
    for student in people:
        if rng.random() >= cal.SURVEYED:
            continue
        answer = rng.choices(answers, weights)[0]
        day = f"{cohort + 2}-{rng.choice(['10', '11', '12'])}-{rng.randint(1, 28):02d}"
        rows.append([student.upn, day, spellings[answer] if rng.random() < 0.2 else answer])
    return rows


def write_destinations(writer, landing, people, rng, codes) -> None:
    """Each local authority's file of its students' months, some by NCCIS code, one with
    labels, one as XLSX; the comparison rates and the follow-up survey."""
    cohort = landing.cohort
    months = [f"{cohort + 2 + (8 + m) // 12}-{(8 + m) % 12 + 1:02d}" for m in range(7)]
    names = {row["la_code"]: row["name"] for row in codes.local_authorities.rows}
    by_la = _reported_months(people, months, rng, names)
    for index, (la, rows) in enumerate(sorted(by_la.items())):
        rows = _in_the_authoritys_style(index, rows, codes)
        relative = f"cohort={cohort}/destinations/destinations_{la}"
        if index == 0:
            writer.xlsx(f"{relative}.xlsx", DESTINATION_HEADER, rows)
        else:
            writer.csv(f"{relative}.csv", DESTINATION_HEADER, rows)
        landing.destination_rows += len(rows)
    rates = comparison_rows(list(by_la), rng)
    writer.csv(f"cohort={cohort}/destinations/comparison.csv",
               ["la_code", "characteristic", "pct_neet", "pct_not_known"], rates)  # fmt: skip
    landing.comparison_rows = len(rates)
    answers = survey_rows(people, cohort, rng)
    writer.csv(f"cohort={cohort}/destinations/survey.csv",
               ["upn", "survey_date", "happy_with_destination"], answers)  # fmt: skip
    landing.survey_rows = len(answers)
