"""What the disclosure attacker reads from the warehouse: every figure a partner can read (or
the candidates about to be published), the local authorities' public comparison rates, and the
unsuppressed counts that are its answer sheet. The attacker itself (disclosure_audit.py) works
on these as plain data."""

from __future__ import annotations

VIEWS = ("cycle_summary", "knowledge_by_area", "sector_interest", "post16_plans",
         "knowledge_improvement", "destinations")  # fmt: skip
# A local authority's rates for one characteristic (contract 1.2 section 8): NEET, not known
# (None from a 1.1 file) and their sum.
Rates = tuple[float | None, float | None, float]


def read_published(conn, candidates: bool = False) -> dict[str, list[dict]]:
    """Everything a partner can read: every row of every partner view (or of the candidates
    the gate is about to publish to them)."""
    published = {}
    for view in VIEWS:
        relation = f"publication.publication_{view}" if candidates else f"partner.{view}"
        cursor = conn.execute(f"select * from {relation}")
        names = [column.name for column in cursor.description]
        published[view] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return published


def read_public_rates(conn) -> dict[tuple[int, str, str], Rates]:
    """Each local authority's comparison rates: public, so the attacker knows them exactly
    (contract section 8), as the warehouse reads them (the file delivered last wins)."""
    rows = conn.execute(
        "select cohort, la_code, characteristic, pct_neet, pct_not_known, pct_neet_or_not_known"
        " from staging.stg_raw__destination_comparisons"
    )
    return {
        (cohort, la, characteristic): tuple(
            None if rate is None else float(rate) for rate in (neet, not_known, combined)
        )
        for cohort, la, characteristic, neet, not_known, combined in rows
    }


def read_truth(conn) -> dict[tuple, int]:
    """The unsuppressed counts (marts), keyed as the attacker's variables: the answer sheet."""
    truth: dict[tuple, int] = {}
    for cohort, cycle, level, code, n, eet in conn.execute(
        "select cohort, cycle, area_level, area_code, students_interviewed,"
        " students_predicted_eet from marts.cohort_progress"
    ):
        truth[(cohort, cycle, "N", level, code)] = n
        truth[(cohort, cycle, "eet", level, code)] = eet
        truth[(cohort, cycle, "not_eet", level, code)] = n - eet
    for cohort, cycle, level, code, plan, n in conn.execute(
        "select cohort, cycle, area_level, area_code, post16_plan, students"
        " from marts.post16_plan_mix"
    ):
        truth[(cohort, cycle, "plan", level, code, plan)] = n
    for cohort, cycle, level, code, gender, sector, n, group in conn.execute(
        "select cohort, cycle, area_level, area_code, gender, sector, students,"
        " students_in_group from marts.sector_interest"
    ):
        truth[(cohort, cycle, "sector", level, code, gender, sector)] = n
        if gender != "all":
            truth[(cohort, cycle, "gender_total", level, code, gender)] = group
    for cohort, cycle, level, code, area, n in conn.execute(
        "select cohort, cycle, area_level, area_code, knowledge_area, students_assessed"
        " from marts.knowledge_by_area"
    ):
        truth[(cohort, cycle, "assessed", level, code, area)] = n
    for cohort, level, code, area, n in conn.execute(
        "select cohort, area_level, area_code, knowledge_area, matched_students"
        " from marts.knowledge_improvement"
    ):
        truth[(cohort, None, "matched", level, code, area)] = n
    for row in conn.execute(
        "select cohort, area_level, area_code, students_tracked, students_eet, students_neet,"
        " students_not_known, students_other, students_sustained_eet,"
        " students_predicted_eet_last_interview, students_prediction_comparable,"
        " students_prediction_held, students_surveyed, students_happy"
        " from marts.destination_summary"
    ):
        cohort, level, code, tracked, eet, neet, not_known, other, sustained, predicted = row[:10]
        comparable, held, surveyed, happy = row[10:]
        counts = {
            ("tracked",): tracked, ("november", "eet"): eet, ("november", "neet"): neet,
            ("november", "not_known"): not_known, ("november", "other"): other,
            ("sustained", "sustained"): sustained,
            ("sustained", "not_sustained"): tracked - sustained,
            ("predicted_last", "eet"): predicted,
            ("predicted_last", "not_eet"): tracked - predicted,
            ("held_base",): comparable, ("held", "held"): held,
            ("held", "not_held"): comparable - held,
        }  # fmt: skip
        if surveyed is not None:
            counts.update({
                ("survey", "surveyed"): surveyed, ("survey", "not_surveyed"): tracked - surveyed,
                ("happy", "happy"): happy, ("happy", "not_happy"): surveyed - happy,
            })  # fmt: skip
        for (family, *detail), n in counts.items():
            truth[(cohort, None, family, level, code, *detail)] = n
    return truth
