"""Writing a synthetic landing folder: schools, per-cycle rosters and adviser interview files."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from stdnum.gb import upn as stdnum_upn

from ingestion.codes import load_codes
from ingestion.extracts import cycle_start
from pathways.synthetic import calibration as cal
from pathways.synthetic.people import ACTION_PLANS, FORENAMES, JOB_TYPES, SURNAMES

# 16 North East and 12 Tees Valley schools, spread over the real local authorities.
PILOT_SCHOOLS_PER_LA = {
    "390": 3, "391": 3, "392": 2, "393": 2, "394": 2, "840": 2, "929": 2,
    "805": 2, "806": 3, "807": 2, "808": 3, "841": 2,
}  # fmt: skip
SCHOOLS_PER_ADVISER = 4
ROSTER_HEADER = ["upn", "forename", "surname", "date_of_birth", "gender", "year_group",
                 "sen_status", "disadvantaged", "attendance_pct"]  # fmt: skip


@dataclass
class School:
    index: int
    urn: str
    name: str
    la_code: str
    adviser: str


@dataclass
class Student:
    school: School
    upn: str
    forename: str
    surname: str
    born: date
    gender: str
    sen: str
    disadvantaged: str
    attendance: float
    latent: dict[str, float]
    sector: str = ""
    plan: str = ""
    last_prediction: tuple[str, str] = ("unknown", "medium")  # destination, NEET risk


@dataclass
class GeneratedLanding:
    root: Path
    cohort: int
    schools: list[School]
    cycles: int = 7
    students: int = 0
    roster_rows: int = 0
    interview_rows: int = 0
    destination_rows: int = 0
    comparison_rows: int = 0
    defects: list[dict] = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ranks(values: list[float]) -> list[float]:
    """Each value's position in the population as a fraction in (0, 1), evenly spread.

    Thresholding ranks rather than raw random numbers makes the cohort's rates come out at
    the calibrated figures instead of near them.
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for position, index in enumerate(order):
        ranks[index] = (position + 0.5) / len(values)
    return ranks


def _score_quantiles(mean: float) -> list[float]:
    """Cumulative probabilities of 1..5 for a score 1 + Binomial(4, p) with the given mean."""
    p = min(max((mean - 1) / 4, 0.0), 1.0)
    probabilities = [[1, 4, 6, 4, 1][k] * p**k * (1 - p) ** (4 - k) for k in range(5)]
    cumulative, total = [], 0.0
    for probability in probabilities:
        total += probability
        cumulative.append(total)
    return cumulative


def make_upn(la_code: str, number: int, temporary: bool = False) -> str:
    """A valid UPN whose check letter comes from python-stdnum."""
    body = f"{la_code}{number:09d}"
    if temporary:
        body = body[:-1] + "ABCDEFGHJK"[int(body[-1])]
    return stdnum_upn.calc_check_digit(body) + body


def _schools(
    count: int, rng: random.Random, las: list[str] | None = None, first: int = 0,
    per_adviser: int = SCHOOLS_PER_ADVISER,
) -> list[School]:  # fmt: skip
    las = las or [la for la, n in PILOT_SCHOOLS_PER_LA.items() for _ in range(n)]
    names = {row["la_code"]: row["name"] for row in load_codes().local_authorities.rows}
    schools = []
    for index in range(first, first + count):
        la_code = las[index % len(las)]
        kind = rng.choice(["Academy", "School", "High School", "Community College"])
        schools.append(
            School(
                index=index,
                urn=f"{108000 + index * 3:06d}",
                name=f"{names[la_code]} {kind} {index + 1}",
                la_code=la_code,
                adviser=f"ADV{index // per_adviser + 1:03d}",
            )
        )
    return schools


def _students(schools, sizes: list[int], cohort, rng) -> list[Student]:
    students = []
    first_birthday = date(cohort - 15, 9, 1)
    for school, size in zip(schools, sizes, strict=True):
        for index in range(size):
            gender = rng.choices("FMU", weights=[48, 50, 2])[0]
            number = school.index * 1000 + index
            students.append(
                Student(
                    school=school,
                    upn=make_upn(school.la_code, number, temporary=index % 97 == 13),
                    forename=rng.choice(FORENAMES[gender]),
                    surname=rng.choice(SURNAMES),
                    born=first_birthday + timedelta(days=rng.randrange(365)),
                    gender=gender,
                    sen=rng.choices("NKE", weights=[80, 15, 5])[0],
                    disadvantaged=rng.choices("YN", weights=[45, 55])[0],
                    attendance=rng.uniform(78, 100),
                    latent={
                        name: rng.gauss(0, 1)
                        for name in ("vision", "plan", "eet", "knowledge", *cal.KNOWLEDGE_MEANS)
                    },
                )
            )
    return students


def _cycle_ranks(students, name, rng, weight=0.85):
    """Ranks of a student trait that persists between cycles but is not fixed."""
    noise = (1 - weight**2) ** 0.5
    return _ranks([weight * s.latent[name] + noise * rng.gauss(0, 1) for s in students])


def _knowledge_scores(students, cycle, rng) -> dict[str, list[str]]:
    scores = {}
    for area in cal.KNOWLEDGE_MEANS:
        ranks = _ranks(
            [
                0.6 * s.latent["knowledge"] + 0.5 * s.latent[area] + 0.62 * rng.gauss(0, 1)
                for s in students
            ]
        )
        cumulative = _score_quantiles(cal.knowledge_mean(area, cycle))
        scores[area] = [
            "" if rng.random() < cal.NOT_ASSESSED
            else str(1 + next(k for k, c in enumerate(cumulative) if c >= r or k == 4))
            for r in ranks
        ]  # fmt: skip
    return scores


class _Writer:
    """Writes extracts in the mix of shapes schools really send (BOM, CRLF, labels, XLSX)."""

    def __init__(self, root: Path):
        self.root = root

    def csv(self, relative: str, header, rows, bom=False, crlf=False, shout=False) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
            writer.writerow([f" {h.upper()} " for h in header] if shout else header)
            writer.writerows(rows)
        return path

    def xlsx(self, relative: str, header, rows) -> Path:
        import openpyxl

        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Roster")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return path


def _roster_rows(students, cycle, cohort, uk_style: bool):
    year_group = 10 if cycle <= 4 else 11
    for s in students:
        born = s.born.strftime("%d/%m/%Y") if uk_style else s.born.isoformat()
        gender = {"F": "Female", "M": "Male"}.get(s.gender, s.gender) if uk_style else s.gender
        attendance = "" if s.attendance > 99.5 else f"{s.attendance:.1f}"
        yield [s.upn, s.forename, s.surname, born, gender, year_group, s.sen, s.disadvantaged,
               attendance]  # fmt: skip


DESTINATION_HEADER = ["upn", "activity_month", "activity", "nccis_code", "provider"]
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


def _write_destinations(writer, landing, people, rng, codes) -> None:
    """Each local authority's file of its students' months, some by NCCIS code, one with
    labels, one as XLSX; and the comparison rates."""
    cohort = landing.cohort
    months = [f"{cohort + 2 + (8 + m) // 12}-{(8 + m) % 12 + 1:02d}" for m in range(7)]
    nccis = {}
    for code, activity in sorted(codes.nccis.items(), reverse=True):
        nccis[activity] = code  # the lowest code of each activity
    labels = {row["code"]: row["label"] for row in codes.activities.rows}
    names = {row["la_code"]: row["name"] for row in codes.local_authorities.rows}
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
    for index, (la, rows) in enumerate(sorted(by_la.items())):
        if index % 3 == 1:  # this authority sends NCCIS codes only
            rows = [[upn, month, "", nccis[activity], provider]
                    for upn, month, activity, _, provider in rows]  # fmt: skip
        elif index % 3 == 2:  # this one labels, with a date for the month
            rows = [[upn, f"{month}-01", labels[activity], "", provider]
                    for upn, month, activity, _, provider in rows]  # fmt: skip
        relative = f"cohort={cohort}/destinations/destinations_{la}"
        if index == 0:
            writer.xlsx(f"{relative}.xlsx", DESTINATION_HEADER, rows)
        else:
            writer.csv(f"{relative}.csv", DESTINATION_HEADER, rows)
        landing.destination_rows += len(rows)
    low, high = cal.COMPARISON_NEET_OR_NOT_KNOWN
    rates = [[la, f"{rng.uniform(low, high):.1f}"] for la in sorted(by_la)]
    writer.csv(f"cohort={cohort}/destinations/comparison.csv",
               ["la_code", "pct_neet_or_not_known"], rates)  # fmt: skip
    landing.comparison_rows = len(rates)


def interview_header(codes) -> list[str]:
    return [
        "upn", "school_urn", "interview_date", "adviser_id", "mode", "preferred_sector",
        "job_type", "post16_plan", *(a["column"] for a in codes.knowledge_areas), "neet_risk",
        "predicted_destination", "interventions", "action_plan",
    ]  # fmt: skip


def generate(
    out: Path,
    schools: int = 28,
    students: int = 30,
    cycles: int = 7,
    seed: int = 2024,
    cohort: int = 2024,
    advisers: int | None = None,
    defects: bool = False,
    school_sizes: list[int] | None = None,
    authorities: list[str] | None = None,
    *,
    first_school: int = 0,
    schools_per_adviser: int = SCHOOLS_PER_ADVISER,
) -> GeneratedLanding:
    """Write a landing folder for one cohort; returns what was written (and planted).

    `school_sizes` gives each school its own number of students (tiny schools), and
    `authorities` the local authorities schools are spread over in turn (one-school
    authorities); by default `students` per school over the pilot's authorities.
    `first_school` numbers the schools from there (URNs, UPNs and advisers), so that shards
    generated one at a time make one landing (benchmarks/national_benchmark.py).
    """
    rng = random.Random(seed)
    codes = load_codes()
    root = Path(out)
    writer = _Writer(root)
    sizes = school_sizes or [min(students, 999)] * schools
    school_list = _schools(len(sizes), rng, authorities, first_school, schools_per_adviser)
    if advisers:
        for school in school_list:
            school.adviser = f"ADV{school.index % advisers + 1:03d}"
    people = _students(school_list, sizes, cohort, rng)
    landing = GeneratedLanding(
        root=root, cohort=cohort, schools=school_list, cycles=cycles, students=len(people)
    )
    writer.csv(
        f"cohort={cohort}/schools.csv",
        ["urn", "school_name", "la_code"],
        [[s.urn, s.name, s.la_code] for s in school_list],
    )
    sector_labels = {row["code"]: row["label"] for row in codes.sectors.rows}
    plan_labels = {row["code"]: row["label"] for row in codes.post16_plans.rows}
    interventions = [row["code"] for row in codes.interventions.rows]
    by_school: dict[str, list[Student]] = {}
    for s in people:
        by_school.setdefault(s.school.urn, []).append(s)
        s.sector = _weighted(rng, cal.SECTOR_WEIGHTS[s.gender])
        s.plan = _weighted(rng, cal.PLAN_WEIGHTS)
    for cycle in range(1, cycles + 1):
        folder = f"cohort={cohort}/cycle={cycle}"
        for school in school_list:
            rows = _roster_rows(by_school[school.urn], cycle, cohort, school.index % 7 == 3)
            if school.index % 9 == 4:
                writer.xlsx(f"{folder}/roster_{school.urn}.xlsx", ROSTER_HEADER, list(rows))
            else:
                uk = school.index % 7 == 3
                writer.csv(f"{folder}/roster_{school.urn}.csv", ROSTER_HEADER, rows,
                           bom=uk, crlf=uk, shout=uk)  # fmt: skip
            landing.roster_rows += len(by_school[school.urn])
        undecided = _cycle_ranks(people, "vision", rng)
        unsure = _cycle_ranks(people, "plan", rng)
        eet = _cycle_ranks(people, "eet", rng)
        knowledge = _knowledge_scores(people, cycle, rng)
        start = cycle_start(cohort, cycle, codes)
        by_adviser: dict[str, list[list]] = {}
        for i, s in enumerate(people):
            if rng.random() < cal.SECTOR_SWITCH:
                s.sector = _weighted(rng, cal.SECTOR_WEIGHTS[s.gender])
            if rng.random() < cal.PLAN_SWITCH:
                s.plan = _weighted(rng, cal.PLAN_WEIGHTS)
            if rng.random() >= cal.INTERVIEW_HELD:
                continue
            labels = int(s.school.adviser[3:]) % 3 == 1
            sector = "undecided" if undecided[i] < cal.UNDECIDED[cycle - 1] else s.sector
            plan = "unsure" if unsure[i] < cal.UNSURE_PLAN[cycle - 1] else s.plan
            if eet[i] >= 1 - cal.PREDICTED_EET[cycle - 1]:
                destination, risk = "eet", rng.choices(["low", "medium"], weights=[7, 3])[0]
            else:
                destination = rng.choice(["neet", "neet", "unknown"])
                risk = "high" if destination == "neet" else "medium"
            s.last_prediction = (destination, risk)
            held = start + timedelta(days=rng.randrange(28))
            attended = [c for c in interventions if rng.random() < (0.05 if cycle == 1 else 0.15)]
            by_adviser.setdefault(s.school.adviser, []).append(
                [
                    s.upn,
                    s.school.urn,
                    held.strftime("%d/%m/%Y") if labels else held.isoformat(),
                    s.school.adviser,
                    rng.choices(["face_to_face", "virtual", "telephone"], weights=[7, 2, 1])[0],
                    sector_labels[sector] if labels else sector,
                    "" if sector == "undecided" else rng.choice(JOB_TYPES[sector]),
                    plan_labels[plan] if labels else plan,
                    *(knowledge[area["code"]][i] for area in codes.knowledge_areas),
                    risk,
                    destination,
                    ";".join(attended),
                    rng.choice(ACTION_PLANS).format(plan=plan.replace("_", " ")),
                ]
            )
        for adviser, rows in sorted(by_adviser.items()):
            labels = int(adviser[3:]) % 3 == 1
            writer.csv(f"{folder}/interviews_{adviser}.csv", interview_header(codes), rows,
                       bom=labels)  # fmt: skip
            landing.interview_rows += len(rows)
    if cycles == 7:  # destinations are tracked from the cycle 7 roster
        _write_destinations(writer, landing, people, random.Random(seed + 7), codes)
    if defects:
        from pathways.synthetic.defects import plant_defects

        landing.defects = plant_defects(landing)
    return landing
