"""Realistic bad rows and files planted in a generated landing folder, each one recorded.

Bad rows are added beside the good ones (never instead of them), so a correct load rejects
exactly what was planted and loads everything the clean generator wrote.
"""

from __future__ import annotations

import csv
import os
from datetime import timedelta
from pathlib import Path

from pathways.ingestion.codes import load_codes
from pathways.ingestion.extracts import cycle_start
from pathways.synthetic.model import (
    ROSTER_HEADER,
    GeneratedLanding,
    make_upn,
)

ROSTER_MUTATIONS = [
    ("upn", "wrong check letter", "check letter"),
    ("upn", "A12345", "13 characters"),
    ("date_of_birth", "31/02/2010", "is not a date"),
    ("date_of_birth", "2001-05-05", "must be 12-17"),
    ("gender", "X", "not in the gender code list"),
    ("year_group", "12", "is not a year group"),
    ("sen_status", "Z", "not in the SEN status code list"),
    ("disadvantaged", "maybe", "not in the Y/N code list"),
    ("attendance_pct", "105", "is outside 0-100"),
    ("forename", "", "is required but blank"),
]
INTERVIEW_MUTATIONS = [
    ("upn", "not on roster", "is not on the cycle"),
    ("school_urn", "999999", "is not in schools.csv"),
    ("mode", "carrier pigeon", "not in the interview mode code list"),
    ("preferred_sector", "astronaut", "not in the sector code list"),
    ("k_t_levels", "7", "is not a knowledge score"),
    ("neet_risk", "very high", "not in the NEET risk code list"),
    ("interview_date", "2024-13-45", "is not a date"),
    ("interventions", "careers_workshop;juggling", "has an item (2 of 2, 8 characters)"),
    ("post16_plan", "gap year", "not in the post-16 plan code list"),
    ("predicted_destination", "maybe", "not in the destination code list"),
]


def _plain_files(landing: GeneratedLanding, cycle: int, prefix: str) -> list[Path]:
    """Files of a cycle written without BOM or CRLF (defects are planted only in those)."""
    folder = landing.root / f"cohort={landing.cohort}/cycle={min(cycle, landing.cycles)}"
    return sorted(
        p for p in folder.glob(f"{prefix}_*.csv") if not p.read_bytes().startswith(b"\xef\xbb\xbf")
    )


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (start line, row) pairs, counting physical lines as the loader does."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows, end = [], reader.line_num
        for row in reader:
            rows.append((end + 1, row))
            end = reader.line_num
    return header, rows


def _append(path: Path, rows: list[list[str]]) -> int:
    """Append rows; returns the line number the first one starts on."""
    first_line = path.read_bytes().count(b"\n") + 1
    with open(path, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return first_line


def _rewrite(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _bad_check_letter(upn: str) -> str:
    return ("B" if upn[0] != "B" else "C") + upn[1:]


def _plant_roster_rejects(landing) -> list[dict]:
    path = _plain_files(landing, 1, "roster")[0]
    header, rows = _read(path)
    school = next(s for s in landing.schools if path.name == f"roster_{s.urn}.csv")
    planted, new_rows = [], []
    for offset, (column, value, reason) in enumerate(ROSTER_MUTATIONS):
        row = list(rows[0][1])
        row[0] = make_upn(school.la_code, 990_000 + offset)  # a student who is not otherwise there
        if value == "wrong check letter":
            value = _bad_check_letter(row[0])
        row[ROSTER_HEADER.index(column)] = value
        new_rows.append(row)
        planted.append({"kind": "reject", "column": column, "value": value, "reason": reason})
    new_rows.append(list(rows[1][1]))  # the same student twice in one roster
    planted.append({"kind": "reject", "column": "upn", "value": rows[1][1][0],
                    "reason": "appears again"})  # fmt: skip
    first = _append(path, new_rows)
    for line, item in enumerate(planted, start=first):
        item.update(path=path.relative_to(landing.root).as_posix(), line=line)
    return planted


def _plant_interview_rejects(landing) -> list[dict]:
    path = _plain_files(landing, 2, "interviews")[0]
    header, rows = _read(path)
    planted, new_rows = [], []
    for offset, (column, value, reason) in enumerate(INTERVIEW_MUTATIONS):
        row = list(rows[offset][1])
        if value == "not on roster":
            value = make_upn("390", 995_000 + offset)
        row[header.index(column)] = value
        new_rows.append(row)
        planted.append({"kind": "reject", "column": column, "value": value, "reason": reason})
    new_rows.append(list(rows[0][1]) + ["surplus"])
    planted.append({"kind": "reject", "column": None, "value": "surplus",
                    "reason": "values but the header has"})  # fmt: skip
    first = _append(path, new_rows)
    line = first
    for item, row in zip(planted, new_rows, strict=True):
        item.update(path=path.relative_to(landing.root).as_posix(), line=line)
        line += sum(cell.count("\n") for cell in row) + 1
    return planted


def _plant_warnings(landing) -> list[dict]:
    planted = []
    path = _plain_files(landing, 3, "interviews")[1]
    header, rows = _read(path)
    far_off = cycle_start(landing.cohort, min(3, landing.cycles), load_codes()) + timedelta(150)
    relative = path.relative_to(landing.root).as_posix()
    plain_rows = [row for _, row in rows]
    plain_rows[0][header.index("adviser_id")] = "ADV999"
    planted.append({"kind": "warning", "path": relative, "line": rows[0][0],
                    "column": "adviser_id", "value": "ADV999"})  # fmt: skip
    plain_rows[1][header.index("interview_date")] = far_off.isoformat()
    planted.append({"kind": "warning", "path": relative, "line": rows[1][0],
                    "column": "interview_date", "value": far_off.isoformat()})  # fmt: skip
    header = header + ["notes"]
    plain_rows = [row + [""] for row in plain_rows]
    planted.append({"kind": "warning", "path": relative, "line": 1,
                    "column": "notes", "value": "notes"})  # fmt: skip
    _rewrite(path, header, plain_rows)
    return planted


def _plant_conflict(landing) -> list[dict]:
    """The same student interviewed twice in cycle 4: the later delivery wins."""
    first, second = _plain_files(landing, 4, "interviews")[2:4]
    header, rows = _read(first)
    row = list(rows[0][1])
    row[header.index("adviser_id")] = second.stem.split("_", 1)[1]
    row[header.index("mode")] = (
        "telephone" if row[header.index("mode")] != "telephone" else "virtual"
    )
    line = _append(second, [row])
    later = max(first.stat().st_mtime, second.stat().st_mtime) + 60
    os.utime(second, (later, later))
    return [{"kind": "conflict", "path": second.relative_to(landing.root).as_posix(),
             "line": line, "column": "upn", "value": row[0]}]  # fmt: skip


def _plant_bad_files(landing) -> list[dict]:
    cohort_dir = landing.root / f"cohort={landing.cohort}"
    planted = []

    def quarantine(relative: str, content: bytes, reason: str) -> None:
        path = cohort_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        planted.append({"kind": "quarantine", "path": path.relative_to(landing.root).as_posix(),
                        "reason": reason})  # fmt: skip

    header, rows = _read(_plain_files(landing, 2, "interviews")[0])
    sample = rows[:3]
    no_mode = [[c for i, c in enumerate(r) if header[i] != "mode"] for _, r in sample]
    quarantine("cycle=2/notes.txt", b"Remember to chase the missing rosters\n", "fits no extract")
    roster_path = _plain_files(landing, 1, "roster")[1]
    quarantine("cycle=1/roster_999998.csv", roster_path.read_bytes(), "not in schools.csv")
    body = "\n".join(",".join(f'"{c}"' for c in r) for r in [[h for h in header if h != "mode"],
                                                              *no_mode])  # fmt: skip
    quarantine("cycle=2/interviews_NOMODE.csv", body.encode() + b"\n", "missing required")
    quarantine("cycle=3/interviews_BROKEN.xlsx", os.urandom(512), "not a readable XLSX")
    latin = ",".join(header).encode() + b"\n" + ",".join(sample[0][1][:-1]).encode()
    quarantine("cycle=3/interviews_LATIN1.csv", latin + ",Caf\xe9 job\n".encode("latin-1"),
               "not UTF-8")  # fmt: skip
    quarantine("cycle=9/" + roster_path.name, roster_path.read_bytes(), "not a programme cycle")
    return planted


DESTINATION_MUTATIONS = [
    ("upn", "not on a roster", "not a programme student"),
    ("activity_month", "2026-06", "is outside cohort"),
    ("activity", "astronaut", "not in the destination activity code list"),
    ("nccis_code", "110", "below leaving age"),
    ("nccis_code", "330", "does not agree with the activity"),
]


def _plant_destination_rejects(landing) -> list[dict]:
    """Bad rows in a local authority's destinations file that gives activity codes."""
    folder = landing.root / f"cohort={landing.cohort}/destinations"
    path = next(
        (p for p in sorted(folder.glob("destinations_*.csv")) if _read(p)[1][0][1][2]), None
    )
    if path is None:  # no destinations: the cohort has no cycle 7
        return []
    header, rows = _read(path)
    planted, new_rows = [], []
    for offset, (column, value, reason) in enumerate(DESTINATION_MUTATIONS):
        row = list(rows[offset][1])
        if value == "not on a roster":
            value = make_upn(path.stem.split("_")[1], 996_000 + offset)
        elif column == "nccis_code" and value == "110":
            row[header.index("activity")] = ""
        elif column == "nccis_code":
            row[header.index("activity")] = "education"
        row[header.index(column)] = value
        new_rows.append(row)
        planted.append({"kind": "reject", "column": column, "value": value, "reason": reason})
    first = _append(path, new_rows)
    for line, item in enumerate(planted, start=first):
        item.update(path=path.relative_to(landing.root).as_posix(), line=line)
    return planted


def _appended(landing, path: Path, rows: list[list[str]], planted: list[dict]) -> list[dict]:
    """Append the planted rows and say where each landed."""
    first = _append(path, rows)
    for line, item in enumerate(planted, start=first):
        item.update(path=path.relative_to(landing.root).as_posix(), line=line)
    return planted


COMPARISON_MUTATIONS = [
    ("characteristic", "gifted", "not in the comparison characteristic code list"),
    ("pct_not_known", "", "pct_neet and pct_not_known are given together"),
    ("characteristic", "all", "appears again"),
]


def _plant_comparison_rejects(landing) -> list[dict]:
    """Bad rows in the 1.2 comparison rates: an unknown group, a half-given rate, a repeat."""
    path = landing.root / f"cohort={landing.cohort}/destinations/comparison.csv"
    if not path.exists():
        return []
    header, rows = _read(path)
    planted, new_rows = [], []
    for column, value, reason in COMPARISON_MUTATIONS:
        row = list(rows[0][1])  # the first authority's `all` row
        row[header.index(column)] = value
        new_rows.append(row)
        planted.append({"kind": "reject", "column": column, "value": value, "reason": reason})
    return _appended(landing, path, new_rows, planted)


def _plant_survey_rejects(landing) -> list[dict]:
    """Bad answers in the follow-up survey: a stranger, a date outside the window, a word that
    is no answer, and a student answering twice."""
    path = landing.root / f"cohort={landing.cohort}/destinations/survey.csv"
    if not path.exists():
        return []
    header, rows = _read(path)
    first = rows[0][1]
    mutations = [
        ("upn", make_upn(landing.schools[0].la_code, 997_000), "not a programme student"),
        ("survey_date", f"{landing.cohort + 3}-06-01", "is outside cohort"),
        ("happy_with_destination", "maybe", "not in the happy with destination code list"),
        ("upn", first[0], "appears again"),
    ]
    planted, new_rows = [], []
    for column, value, reason in mutations:
        row = list(first)
        row[header.index(column)] = value
        new_rows.append(row)
        planted.append({"kind": "reject", "column": column, "value": value, "reason": reason})
    return _appended(landing, path, new_rows, planted)


def plant_defects(landing: GeneratedLanding) -> list[dict]:
    return [
        *_plant_comparison_rejects(landing),
        *_plant_survey_rejects(landing),
        *_plant_destination_rejects(landing),
        *_plant_roster_rejects(landing),
        *_plant_interview_rejects(landing),
        *_plant_warnings(landing),
        *_plant_conflict(landing),
        *_plant_bad_files(landing),
    ]
