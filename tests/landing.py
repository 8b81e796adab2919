"""Building small landing folders for tests, one valid row at a time."""

from __future__ import annotations

import csv
from pathlib import Path

from pathways.ingestion.codes import load_codes

from pathways.synthetic.model import ROSTER_HEADER, interview_header, make_upn

COHORT = 2024
URN = "108000"
OTHER_URN = "108003"
ADVISER = "ADV001"


def upn(n: int, la: str = "390") -> str:
    return make_upn(la, n)


def roster_row(n: int, **changes) -> dict[str, str]:
    row = {
        "upn": upn(n), "forename": "Ada", "surname": "Lovelace", "date_of_birth": "2010-01-15",
        "gender": "F", "year_group": "10", "sen_status": "N", "disadvantaged": "Y",
        "attendance_pct": "95.5",
    }  # fmt: skip
    row.update(changes)
    return row


def interview_row(n: int, **changes) -> dict[str, str]:
    row = {column: "3" for column in interview_header(load_codes())}
    row.update(
        upn=upn(n), school_urn=URN, interview_date="2024-09-20", adviser_id=ADVISER,
        mode="face_to_face", preferred_sector="digital", job_type="Software developer",
        post16_plan="fe_college", neet_risk="low", predicted_destination="eet",
        interventions="careers_workshop", action_plan="Visit the college open day",
    )  # fmt: skip
    row.update(changes)
    return row


DESTINATION_HEADER = ["upn", "activity_month", "activity", "nccis_code", "provider"]
COMPARISON_HEADER = ["la_code", "characteristic", "pct_neet", "pct_not_known"]
SURVEY_HEADER = ["upn", "survey_date", "happy_with_destination"]


def survey_row(n: int, **changes) -> dict[str, str]:
    row = {"upn": upn(n), "survey_date": "2026-11-20", "happy_with_destination": "Y"}
    row.update(changes)
    return row


def destination_row(n: int, **changes) -> dict[str, str]:
    """Cohort 2024's students are tracked September 2026 to March 2027."""
    row = {"upn": upn(n), "activity_month": "2026-11", "activity": "education",
           "nccis_code": "", "provider": "Gateshead College"}  # fmt: skip
    row.update(changes)
    return row


def write_csv(path: Path, header: list[str], rows: list[dict], **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if options.get("bom") else "utf-8"
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if options.get("crlf") else "\n")
        writer.writerow(options.get("header_as_written", header))
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


class Landing:
    """A landing folder with one cohort: two schools, and helpers to add extracts."""

    def __init__(self, root: Path):
        self.root = root
        self.schools()

    def path(self, relative: str) -> Path:
        return self.root / f"cohort={COHORT}" / relative

    def schools(self, rows=None, header=("urn", "school_name", "la_code")) -> Path:
        rows = rows or [
            {"urn": URN, "school_name": "Gateshead Academy", "la_code": "390"},
            {"urn": OTHER_URN, "school_name": "Hartlepool School", "la_code": "805"},
        ]
        return write_csv(self.path("schools.csv"), list(header), rows)

    def roster(self, rows, cycle=1, urn=URN, header=ROSTER_HEADER, **options) -> Path:
        name = f"cycle={cycle}/roster_{urn}.csv"
        return write_csv(self.path(name), header, rows, **options)

    def interviews(self, rows, cycle=1, adviser=ADVISER, header=None, **options) -> Path:
        header = header or interview_header(load_codes())
        name = f"cycle={cycle}/interviews_{adviser}.csv"
        return write_csv(self.path(name), header, rows, **options)

    def destinations(self, rows, la="390", header=DESTINATION_HEADER, **options) -> Path:
        name = f"destinations/destinations_{la}.csv"
        return write_csv(self.path(name), header, rows, **options)

    def comparison(self, rows, header=None, name="comparison.csv") -> Path:
        """A 1.1 file (la_code, pct_neet_or_not_known) unless given another header."""
        header = header or ["la_code", "pct_neet_or_not_known"]
        return write_csv(self.path(f"destinations/{name}"), header, rows)

    def survey(self, rows, name="survey.csv") -> Path:
        return write_csv(self.path(f"destinations/{name}"), SURVEY_HEADER, rows)


def set_knowledge_scores(path: Path, score: str) -> None:
    """Rewrite an interview file with every knowledge score set to score (an export fault)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in row:
            if column.strip().lower().startswith("k_") and row[column].strip():
                row[column] = score
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
