"""What the generator makes: schools, students, the landing it wrote, and the extracts' headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from stdnum.gb import upn as stdnum_upn

ROSTER_HEADER = ["upn", "forename", "surname", "date_of_birth", "gender", "year_group",
                 "sen_status", "disadvantaged", "attendance_pct"]  # fmt: skip
DESTINATION_HEADER = ["upn", "activity_month", "activity", "nccis_code", "provider"]


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
    survey_rows: int = 0
    defects: list[dict] = field(default_factory=list)


def make_upn(la_code: str, number: int, temporary: bool = False) -> str:
    """A valid UPN whose check letter comes from python-stdnum."""
    body = f"{la_code}{number:09d}"
    if temporary:
        body = body[:-1] + "ABCDEFGHJK"[int(body[-1])]
    return stdnum_upn.calc_check_digit(body) + body


def interview_header(codes) -> list[str]:
    return [
        "upn", "school_urn", "interview_date", "adviser_id", "mode", "preferred_sector",
        "job_type", "post16_plan", *(a["column"] for a in codes.knowledge_areas), "neet_risk",
        "predicted_destination", "interventions", "action_plan",
    ]  # fmt: skip
