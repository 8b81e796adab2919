"""partner.destinations worked out from a landing's files by contract 1.2 alone (section 8):
the held-out answer the warehouse's region and LEP-area rows must match. Exact fractions
throughout, the Wilson root at 50 digits, each figure rounded once, half away from zero.

For generated landings: one roster per school and cycle, one activity per student and month,
no corrections. It reads the project's copy of the code lists (dbt seeds), as the contract's."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
SEN_GROUP = {"N": "sen_none", "K": "sen_support", "E": "ehcp"}
COSTS = {"public": 77_000, "wider": 144_000}
Z = Fraction(196, 100)


def read_table(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    header = [name.strip().lower() for name in rows[0]]
    return [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in rows[1:]]


def _seed(name: str) -> list[dict[str, str]]:
    return read_table(SEEDS / f"{name}.csv")


def rounded(value: Fraction | Decimal, places: int = 1) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_thousand(value) -> int:
    return int(rounded(value / 1000, 0)) * 1000


def wilson(events: int, trials: int) -> tuple[Decimal, Decimal]:
    with localcontext() as context:
        context.prec = 50
        z = Decimal("1.96")
        root = (Decimal(events * (trials - events)) / trials + z * z / 4).sqrt()
        centre, spread = Decimal(events) + z * z / 2, z * root
        return (centre - spread) / (trials + z * z), (centre + spread) / (trials + z * z)


def _activity_groups() -> tuple[dict[str, str], dict[str, str]]:
    activities = _seed("destination_activities")
    spelling = {row["code"].lower(): row["code"] for row in activities}
    spelling.update({row["label"].lower(): row["code"] for row in activities})
    groups = {row["code"]: row["group"] for row in activities}
    nccis = {row["nccis_code"]: row["activity"] for row in _seed("nccis_activities")}
    by_activity = {spelt: groups[code] for spelt, code in spelling.items()}
    return by_activity, {code: groups[activity] for code, activity in nccis.items()}


def _november(root: Path, cohort: int) -> dict[str, str]:
    by_activity, by_nccis = _activity_groups()
    november = f"{cohort + 2}-11"
    groups = {}
    for path in sorted((root / f"cohort={cohort}" / "destinations").glob("destinations_*")):
        for row in read_table(path):
            if row["activity_month"][:7] != november:
                continue
            activity = row.get("activity", "")
            groups[row["upn"]] = (
                by_activity[activity.lower()] if activity else by_nccis[row["nccis_code"]]
            )
    return groups


def _rates(root: Path, cohort: int) -> dict[tuple[str, str], tuple]:
    rates = {}
    for path in sorted((root / f"cohort={cohort}" / "destinations").glob("comparison.*")):
        for row in read_table(path):
            characteristic = row.get("characteristic") or "all"
            if row.get("pct_neet"):
                neet, not_known = Fraction(row["pct_neet"]), Fraction(row["pct_not_known"])
                rates[(row["la_code"], characteristic)] = (neet, not_known, neet + not_known)
            else:
                rates[(row["la_code"], "all")] = (
                    None,
                    None,
                    Fraction(row["pct_neet_or_not_known"]),
                )
    return rates


def _basis(students, rates) -> tuple[str | None, list[tuple]]:
    """The best basis every student has, and each student's rates on it."""
    for basis, group_of in (
        ("at_risk", lambda s: "at_risk"),
        ("sen_adjusted", lambda s: SEN_GROUP[s["sen"]]),
        ("all_young_people", lambda s: "all"),
    ):
        chosen = [rates.get((s["la"], group_of(s))) for s in students]
        if all(chosen):
            return basis, chosen
    return None, []


def _comparison(students, rates, counts) -> dict:
    n, neet, not_known = counts
    basis, chosen = _basis(students, rates)
    figures = {"comparison_basis": basis}
    if basis is None:
        return figures
    combined = sum(rate[2] for rate in chosen)
    figures["comparison_pct_neet_or_not_known"] = rounded(combined / n)
    figures["neet_or_not_known_avoided"] = rounded(combined / 100 - (neet + not_known))
    if any(rate[0] is None for rate in chosen):
        return figures
    expected_neet = sum(rate[0] for rate in chosen)
    figures["expected_pct_neet"] = rounded(expected_neet / n)
    figures["expected_pct_not_known"] = rounded(sum(rate[1] for rate in chosen) / n)
    avoided = expected_neet / 100 - neet
    lower, upper = wilson(neet, n)
    with localcontext() as context:
        context.prec = 60
        exact_expected = Decimal(expected_neet.numerator) / Decimal(expected_neet.denominator) / 100
        low, high = exact_expected - n * upper, exact_expected - n * lower
        figures.update(
            neet_avoided=rounded(avoided), neet_avoided_low=rounded(low),
            neet_avoided_high=rounded(high),
            public_cost_avoided_gbp=to_thousand(avoided * COSTS["public"]),
            public_cost_avoided_low_gbp=to_thousand(low * COSTS["public"]),
            public_cost_avoided_high_gbp=to_thousand(high * COSTS["public"]),
            wider_cost_avoided_gbp=to_thousand(avoided * COSTS["wider"]),
        )  # fmt: skip
    return figures


def destinations(root: Path, cohort: int = 2024) -> dict[tuple[str, str], dict]:
    """Every area's figures, keyed by (area_level, area_code): at each level the counts and the
    November shares and survey; on region and LEP-area rows the comparison too."""
    lep_of = {row["la_code"]: row["lep_area"] for row in _seed("local_authorities")}
    schools = {row["urn"]: row for row in read_table(root / f"cohort={cohort}" / "schools.csv")}
    students = []
    for path in sorted((root / f"cohort={cohort}" / "cycle=7").glob("roster_*")):
        urn = path.stem.split("_", 1)[1]
        for row in read_table(path):
            la = schools[urn]["la_code"]
            students.append({"upn": row["upn"], "urn": urn, "la": la, "lep": lep_of[la],
                             "sen": row["sen_status"]})  # fmt: skip
    november = _november(root, cohort)
    rates = _rates(root, cohort)
    survey_files = sorted((root / f"cohort={cohort}" / "destinations").glob("survey.*"))
    answers = {row["upn"]: row["happy_with_destination"][:1].upper()
               for path in survey_files for row in read_table(path)}  # fmt: skip
    areas = {("region", "all"): students}
    for student in students:
        for area in (("lep_area", student["lep"]), ("local_authority", student["la"]),
                     ("school", student["urn"])):  # fmt: skip
            areas.setdefault(area, []).append(student)
    result = {}
    for (level, code), members in areas.items():
        n = len(members)
        groups = [november.get(s["upn"], "not_known") for s in members]
        neet, not_known = groups.count("neet"), groups.count("not_known")
        figures = {
            "students_tracked": n,
            "pct_eet": rounded(Fraction(100 * groups.count("eet"), n)),
            "pct_neet": rounded(Fraction(100 * neet, n)),
            "pct_not_known": rounded(Fraction(100 * not_known, n)),
        }
        if level in ("region", "lep_area"):  # the comparison is published there only
            figures.update(_comparison(members, rates, (n, neet, not_known)))
        if survey_files:
            said = [answers[s["upn"]] for s in members if s["upn"] in answers]
            figures["students_surveyed"] = len(said)
            figures["pct_happy_with_destination"] = rounded(
                Fraction(100 * said.count("Y"), len(said))
            )
        rolls = [schools[urn].get("year11_pupils") for urn in schools
                 if level == "region" or lep_of[schools[urn]["la_code"]] == code]  # fmt: skip
        if level in ("region", "lep_area") and all(rolls):
            for side, cost in COSTS.items():
                figures[f"{side}_value_per_point_gbp"] = to_thousand(
                    Fraction(sum(int(r) for r in rolls) * cost, 100)
                )
        result[(level, code)] = figures
    return result
