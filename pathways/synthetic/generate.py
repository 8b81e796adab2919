"""Writing a synthetic landing folder: schools, per-cycle rosters and adviser interview files."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pathways.ingestion.codes import load_codes
from pathways.ingestion.extracts import cycle_start
from pathways.synthetic import calibration as cal
from pathways.synthetic.defects import plant_defects
from pathways.synthetic.destinations import write_destinations
from pathways.synthetic.model import (
    ROSTER_HEADER,
    GeneratedLanding,
    School,
    Student,
    interview_header,
    make_upn,
)
from pathways.synthetic.people import ACTION_PLANS, FORENAMES, JOB_TYPES, SURNAMES
from pathways.synthetic.traits import cycle_ranks, knowledge_scores
from pathways.synthetic.writer import ExtractWriter

# 16 North East and 12 Tees Valley schools, spread over the real local authorities.
PILOT_SCHOOLS_PER_LA = {
    "390": 3, "391": 3, "392": 2, "393": 2, "394": 2, "840": 2, "929": 2,
    "805": 2, "806": 3, "807": 2, "808": 3, "841": 2,
}  # fmt: skip
SCHOOLS_PER_ADVISER = 4
SCHOOLS_HEADER = ["urn", "school_name", "la_code", "year11_pupils"]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


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


def _roster_rows(students, cycle, cohort, uk_style: bool):
    year_group = 10 if cycle <= 4 else 11
    for s in students:
        born = s.born.strftime("%d/%m/%Y") if uk_style else s.born.isoformat()
        gender = {"F": "Female", "M": "Male"}.get(s.gender, s.gender) if uk_style else s.gender
        attendance = "" if s.attendance > 99.5 else f"{s.attendance:.1f}"
        yield [s.upn, s.forename, s.surname, born, gender, year_group, s.sen, s.disadvantaged,
               attendance]  # fmt: skip


@dataclass
class _Labels:
    """How a labelling adviser writes codes, and the interventions on offer."""

    sectors: dict[str, str]
    plans: dict[str, str]
    interventions: list[str]

    @classmethod
    def from_codes(cls, codes) -> _Labels:
        return cls(
            sectors={row["code"]: row["label"] for row in codes.sectors.rows},
            plans={row["code"]: row["label"] for row in codes.post16_plans.rows},
            interventions=[row["code"] for row in codes.interventions.rows],
        )


def year11_rolls(count: int, rng: random.Random) -> list[int]:
    """Year 11 rolls whose total is the report's 2,403 pupils per 15 schools (contract 1.2)."""
    low, high = cal.YEAR11_PUPILS_RANGE
    rolls = [rng.randint(low, high) for _ in range(count)]
    target = round(cal.YEAR11_PUPILS_PER_15_SCHOOLS * count / 15)
    for index in range(count):  # spread the difference, each roll kept within 1-1000
        share = round((target - sum(rolls)) / (count - index))
        rolls[index] = min(1000, max(1, rolls[index] + share))
    return rolls


def _write_schools(writer: ExtractWriter, landing: GeneratedLanding) -> None:
    rolls = year11_rolls(len(landing.schools), random.Random(landing.cohort))
    writer.csv(
        f"cohort={landing.cohort}/schools.csv",
        SCHOOLS_HEADER,
        [[s.urn, s.name, s.la_code, roll] for s, roll in zip(landing.schools, rolls, strict=True)],
    )


def _first_choices(people: list[Student], rng: random.Random) -> dict[str, list[Student]]:
    """Each student's sector and plan before cycle 1; the students by school."""
    by_school: dict[str, list[Student]] = {}
    for s in people:
        by_school.setdefault(s.school.urn, []).append(s)
        s.sector = _weighted(rng, cal.SECTOR_WEIGHTS[s.gender])
        s.plan = _weighted(rng, cal.PLAN_WEIGHTS)
    return by_school


def _write_rosters(writer, landing, by_school, cycle: int) -> None:
    """One roster per school: some as XLSX, some UK-styled (BOM, CRLF, labels, shouted header)."""
    folder = f"cohort={landing.cohort}/cycle={cycle}"
    for school in landing.schools:
        uk = school.index % 7 == 3
        rows = _roster_rows(by_school[school.urn], cycle, landing.cohort, uk)
        if school.index % 9 == 4:
            writer.xlsx(f"{folder}/roster_{school.urn}.xlsx", ROSTER_HEADER, list(rows))
        else:
            writer.csv(f"{folder}/roster_{school.urn}.csv", ROSTER_HEADER, rows,
                       bom=uk, crlf=uk, shout=uk)  # fmt: skip
        landing.roster_rows += len(by_school[school.urn])


@dataclass
class _CycleDraws:
    """The cohort-wide ranks one cycle's answers are thresholded on."""

    undecided: list[float]
    unsure: list[float]
    eet: list[float]
    knowledge: dict[str, list[str]]

    @classmethod
    def draw(cls, people: list[Student], cycle: int, rng: random.Random) -> _CycleDraws:
        return cls(
            undecided=cycle_ranks(people, "vision", rng),
            unsure=cycle_ranks(people, "plan", rng),
            eet=cycle_ranks(people, "eet", rng),
            knowledge=knowledge_scores(people, cycle, rng),
        )


def _change_of_mind(s: Student, rng: random.Random) -> None:
    if rng.random() < cal.SECTOR_SWITCH:
        s.sector = _weighted(rng, cal.SECTOR_WEIGHTS[s.gender])
    if rng.random() < cal.PLAN_SWITCH:
        s.plan = _weighted(rng, cal.PLAN_WEIGHTS)


def _prediction(eet_rank: float, cycle: int, rng: random.Random) -> tuple[str, str]:
    """The adviser's predicted destination and NEET risk."""
    if eet_rank >= 1 - cal.PREDICTED_EET[cycle - 1]:
        return "eet", rng.choices(["low", "medium"], weights=[7, 3])[0]
    destination = rng.choice(["neet", "neet", "unknown"])
    return destination, "high" if destination == "neet" else "medium"


def _labelled(adviser: str) -> bool:
    """One adviser in three writes labels and UK dates instead of codes."""
    return int(adviser[3:]) % 3 == 1


def _interview_row(s, i, cycle, start, draws, labels, codes, rng) -> list:
    """Student `s` (the i-th of the cohort) interviewed in `cycle`, as their adviser writes it."""
    sector = "undecided" if draws.undecided[i] < cal.UNDECIDED[cycle - 1] else s.sector
    plan = "unsure" if draws.unsure[i] < cal.UNSURE_PLAN[cycle - 1] else s.plan
    destination, risk = _prediction(draws.eet[i], cycle, rng)
    s.last_prediction = (destination, risk)
    held = start + timedelta(days=rng.randrange(28))
    attended = [c for c in labels.interventions if rng.random() < (0.05 if cycle == 1 else 0.15)]
    held_on, sector_as_written, plan_as_written = (
        (held.strftime("%d/%m/%Y"), labels.sectors[sector], labels.plans[plan])
        if _labelled(s.school.adviser)
        else (held.isoformat(), sector, plan)
    )
    return [
        s.upn,
        s.school.urn,
        held_on,
        s.school.adviser,
        rng.choices(["face_to_face", "virtual", "telephone"], weights=[7, 2, 1])[0],
        sector_as_written,
        "" if sector == "undecided" else rng.choice(JOB_TYPES[sector]),
        plan_as_written,
        *(draws.knowledge[area["code"]][i] for area in codes.knowledge_areas),
        risk,
        destination,
        ";".join(attended),
        rng.choice(ACTION_PLANS).format(plan=plan.replace("_", " ")),
    ]


def _write_interviews(writer, landing, people, cycle, labels, codes, rng) -> None:
    """One file per adviser of the interviews held this cycle (most students, not all)."""
    draws = _CycleDraws.draw(people, cycle, rng)
    start = cycle_start(landing.cohort, cycle, codes)
    by_adviser: dict[str, list[list]] = {}
    for i, s in enumerate(people):
        _change_of_mind(s, rng)
        if rng.random() >= cal.INTERVIEW_HELD:
            continue
        row = _interview_row(s, i, cycle, start, draws, labels, codes, rng)
        by_adviser.setdefault(s.school.adviser, []).append(row)
    folder = f"cohort={landing.cohort}/cycle={cycle}"
    for adviser, rows in sorted(by_adviser.items()):
        writer.csv(f"{folder}/interviews_{adviser}.csv", interview_header(codes), rows,
                   bom=_labelled(adviser))  # fmt: skip
        landing.interview_rows += len(rows)


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
    `advisers` shares the schools among that many advisers instead of `schools_per_adviser`
    each. `first_school` numbers the schools from there (URNs, UPNs and advisers), so that
    shards generated one at a time make one landing (benchmarks/national_benchmark.py).
    """
    rng = random.Random(seed)
    codes = load_codes()
    writer = ExtractWriter(Path(out))
    sizes = school_sizes or [min(students, 999)] * schools
    school_list = _schools(len(sizes), rng, authorities, first_school, schools_per_adviser)
    if advisers:
        for school in school_list:
            school.adviser = f"ADV{school.index % advisers + 1:03d}"
    people = _students(school_list, sizes, cohort, rng)
    landing = GeneratedLanding(
        root=Path(out), cohort=cohort, schools=school_list, cycles=cycles, students=len(people)
    )
    _write_schools(writer, landing)
    labels = _Labels.from_codes(codes)
    by_school = _first_choices(people, rng)
    for cycle in range(1, cycles + 1):
        _write_rosters(writer, landing, by_school, cycle)
        _write_interviews(writer, landing, people, cycle, labels, codes, rng)
    if cycles == 7:  # destinations are tracked from the cycle 7 roster
        write_destinations(writer, landing, people, random.Random(seed + 7), codes)
    if defects:
        landing.defects = plant_defects(landing)
    return landing
