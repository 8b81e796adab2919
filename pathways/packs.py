"""End-of-cycle career-lead packs: one XLSX per school with only that school's students.

Read from restricted.career_lead_students (personal data) by the loader, one school at a time,
and written to the outbox. A pack is written to a temporary name and renamed, so a reader never
opens half a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from openpyxl import Workbook
from openpyxl.styles import Font

from pathways import settings, warehouse

BOLD = Font(bold=True)

SUMMARY_SQL = """
select
    cycle,
    count(*) as students,
    round(100.0 * avg(has_no_vision::integer), 1) as pct_no_vision,
    round(100.0 * avg(has_post16_plan::integer), 1) as pct_with_plan,
    round(100.0 * avg(is_predicted_eet::integer), 1) as pct_predicted_eet,
    round(sum(knowledge_score_total)::numeric / nullif(sum(knowledge_areas_assessed), 0), 2)
        as mean_knowledge,
    count(*) filter (where neet_risk = 'high') as high_risk
from marts.fct_interview
where cohort = %(cohort)s and school_urn = %(school)s and cycle in (%(cycle)s - 1, %(cycle)s)
group by cycle
"""

# The rows of the summary sheet, in the column order of SUMMARY_SQL (after cycle).
SUMMARY_ROWS = [
    ("Students interviewed", "students"),
    ("% with no career vision (sector undecided)", "pct_no_vision"),
    ("% with a post-16 plan", "pct_with_plan"),
    ("% predicted to be in education, employment or training", "pct_predicted_eet"),
    ("Mean knowledge score (1-5)", "mean_knowledge"),
    ("Students at high NEET risk", "high_risk"),
]


@dataclass
class Pack:
    school_urn: str
    school_name: str
    path: Path
    students: int


def _student_header(areas: list[tuple[str, str, str]]) -> list[str]:
    header = ["Surname", "Forename", "Gender", "Year group", "SEN", "Disadvantaged",
              "Interview date", "Preferred sector", "Post-16 plan", "NEET risk",
              "Predicted destination"]  # fmt: skip
    for _, _, label in areas:
        header += [label, f"{label}: change since last cycle"]
    return header + ["Action plan", "Interventions attended since last interview"]


def _student_rows(conn, cohort, cycle, school, areas, labels):
    area_columns = ", ".join(f"{column}, {column}_change" for _, column, _ in areas)
    rows = conn.execute(
        f"""
        select surname, forename, gender, year_group, sen_status,
            case when is_disadvantaged then 'Yes' else 'No' end, interview_date,
            preferred_sector, post16_plan, neet_risk, predicted_destination,
            {area_columns}, action_plan, interventions_attended
        from restricted.career_lead_students
        where cohort = %s and cycle = %s and school_urn = %s
        order by surname, forename, student_key
        """,
        (cohort, cycle, school),
    )
    for row in rows:
        row = list(row)
        row[7] = labels["sectors"].get(row[7], row[7])
        row[8] = labels["post16_plans"].get(row[8], row[8])
        row[-1] = "; ".join(
            labels["interventions"].get(code, code) for code in (row[-1] or "").split("; ") if code
        )
        yield row


def _summary(conn, book, cohort, cycle, school, name, la_name, students):
    sheet = book.create_sheet("Summary")
    figures = {
        row[0]: row
        for row in conn.execute(SUMMARY_SQL, {"cohort": cohort, "cycle": cycle, "school": school})
    }
    sheet.append([f"Careers guidance: {name} (URN {school}), {la_name}"])
    sheet.append([f"Cohort starting Year 10 in {cohort}, cycle {cycle} of 7"])
    sheet.append([f"{students} students interviewed this cycle. This pack holds personal data: "
                  "keep it within the school's careers team."])  # fmt: skip
    sheet.append([])
    sheet.append(["", f"Cycle {cycle}", f"Cycle {cycle - 1}" if cycle > 1 else "", "Change"])
    missing = [None] * (len(SUMMARY_ROWS) + 1)
    for index, (label, _) in enumerate(SUMMARY_ROWS, start=1):
        now = figures.get(cycle, missing)[index]
        before = figures.get(cycle - 1, missing)[index]
        change = now - before if now is not None and before is not None else None
        sheet.append([label, now, before, change])
    for cell in (sheet["A1"], sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"]):
        cell.font = BOLD
    sheet.column_dimensions["A"].width = 58


def write_packs(url: str, cohort: int, cycle: int, into: Path | None = None) -> list[Pack]:
    """One pack per school with interviews in the cycle; returns what was written."""
    folder = into or settings.outbox()
    folder = folder / "career_lead_packs" / f"cohort={cohort}" / f"cycle={cycle}"
    folder.mkdir(parents=True, exist_ok=True)
    packs = []
    with psycopg.connect(url) as conn:
        labels = {
            code_list: warehouse.code_labels(conn, code_list)
            for code_list in ("sectors", "post16_plans", "interventions")
        }
        areas = conn.execute(
            'select code, "column", label from reference.knowledge_areas order by 1'
        ).fetchall()
        schools = conn.execute(
            """
            select detail.school_urn, school.school_name, school.local_authority, count(*)
            from restricted.career_lead_students as detail
            inner join marts.dim_school as school using (school_urn)
            where detail.cohort = %s and detail.cycle = %s
            group by 1, 2, 3 order by 1
            """,
            (cohort, cycle),
        ).fetchall()
        for school, name, la_name, students in schools:
            book = Workbook()
            book.remove(book.active)
            _summary(conn, book, cohort, cycle, school, name, la_name, students)
            sheet = book.create_sheet("Students")
            sheet.append(_student_header(areas))
            for cell in sheet[1]:
                cell.font = BOLD
            sheet.freeze_panes = "C2"
            for row in _student_rows(conn, cohort, cycle, school, areas, labels):
                sheet.append(row)
            path = folder / f"{school}_{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')}.xlsx"
            partial = path.with_suffix(".xlsx.partial")
            book.save(partial)
            partial.replace(path)
            packs.append(Pack(school, name, path, students))
    return packs
