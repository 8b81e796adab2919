"""The three extracts of the contract: their columns, cross-column rules and where rows land."""

from __future__ import annotations

from datetime import date

from ingestion import rules
from ingestion.codes import Codes
from ingestion.rules import NULL, Field, Problem

# A rejected or warned cell: (column, value, reason)
Finding = tuple[str | None, str | None, str]


# What one good row becomes, as a plain tuple because it is made once per row:
# (raw COPY line, restricted COPY line or None, warnings or None).
Accepted = tuple[str, str | None, list[Finding] | None]


def cycle_start(cohort: int, cycle: int, codes: Codes) -> date:
    """First day of the cycle's target month: cohort N starts Year 10 in September of year N."""
    months = 8 + int(codes.cycles[cycle]["target_month_offset"])
    return date(cohort + months // 12, months % 12 + 1, 1)


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def knowledge_columns(codes: Codes) -> list[str]:
    return [area["column"] for area in codes.knowledge_areas]


class SchoolsExtract:
    kind = "schools"
    raw_table = "raw.school"
    raw_columns = ("file_id", "line_number", "cohort", "urn", "school_name", "la_code")
    restricted_table = None
    restricted_columns = ()

    def __init__(self, codes: Codes):
        self.fields = (
            Field("urn", True, rules.parse_urn),
            Field("school_name", True, rules.plain_text, cacheable=False),
            Field("la_code", True, rules.coded(codes.local_authorities)),
        )

    def file_problem(self, landed, context) -> str | None:
        return None

    def start(self, landed, context, file_id: int) -> SchoolsExtract.Rows:
        return self.Rows(landed, file_id)

    class Rows:
        def __init__(self, landed, file_id: int):
            self.file_id, self.cohort = file_id, landed.cohort
            self.first_line: dict[str, int] = {}

        def accept(self, line: int, values: list[str]) -> Accepted | list[Finding]:
            urn, name, la_code = values
            if urn in self.first_line:
                return [("urn", urn, f"appears again (first at line {self.first_line[urn]})")]
            self.first_line[urn] = line
            return f"{self.file_id}\t{line}\t{self.cohort}\t{urn}\t{name}\t{la_code}\n", None, None


class RosterExtract:
    kind = "roster"
    raw_table = "raw.roster"
    raw_columns = (
        "file_id", "line_number", "cohort", "cycle", "school_urn", "student_key", "gender",
        "year_group", "sen_status", "disadvantaged", "attendance_pct",
    )  # fmt: skip
    restricted_table = "restricted.roster_identity"
    restricted_columns = (
        "file_id", "line_number", "student_key", "upn", "forename", "surname", "date_of_birth",
    )  # fmt: skip

    def __init__(self, codes: Codes):
        self.codes = codes
        self.fields = (
            Field("upn", True, rules.parse_upn),
            Field("forename", True, rules.plain_text, cacheable=False),
            Field("surname", True, rules.plain_text, cacheable=False),
            Field("date_of_birth", True, rules.parse_date),
            Field("gender", True, rules.coded(codes.gender)),
            Field("year_group", True, rules.whole_number_in({9, 10, 11}, "year group")),
            Field("sen_status", True, rules.coded(codes.sen_status)),
            Field("disadvantaged", True, rules.coded(codes.yes_no)),
            Field("attendance_pct", False, rules.number_between(0, 100, "attendance %")),
        )

    def file_problem(self, landed, context) -> str | None:
        if landed.key not in context.schools(landed.cohort):
            return (
                f"URN {landed.key} in the file name is not in schools.csv "
                f"for cohort {landed.cohort}"
            )
        return None

    def start(self, landed, context, file_id: int) -> RosterExtract.Rows:
        return self.Rows(self, landed, context, file_id)

    class Rows:
        def __init__(self, extract, landed, context, file_id: int):
            self.pseudonym = context.pseudonym
            self.cycle_day = cycle_start(landed.cohort, landed.cycle, extract.codes)
            self.file_id = file_id
            self.lineage = f"\t{landed.cohort}\t{landed.cycle}\t{landed.key}\t"
            self.first_line: dict[str, int] = {}

        def accept(self, line: int, values: list[str]) -> Accepted | list[Finding]:
            upn, forename, surname, born, gender, year_group, sen, disadvantaged, attendance = (
                values
            )
            age = age_on(date.fromisoformat(born), self.cycle_day)
            if not 12 <= age <= 17:
                return [("date_of_birth", born, f"gives age {age} at the cycle; must be 12-17")]
            if upn in self.first_line:
                return [("upn", upn, f"appears again (first at line {self.first_line[upn]})")]
            self.first_line[upn] = line
            key = self.pseudonym(upn)
            return (
                f"{self.file_id}\t{line}{self.lineage}{key}\t{gender}\t{year_group}\t{sen}"
                f"\t{disadvantaged}\t{attendance}\n",
                f"{self.file_id}\t{line}\t{key}\t{upn}\t{forename}\t{surname}\t{born}\n",
                None,
            )


class InterviewsExtract:
    kind = "interviews"
    raw_table = "raw.interview"
    restricted_table = "restricted.interview_note"
    restricted_columns = ("file_id", "line_number", "student_key", "job_type", "action_plan")

    def __init__(self, codes: Codes):
        self.codes = codes
        self.knowledge = knowledge_columns(codes)
        score = rules.whole_number_in({1, 2, 3, 4, 5}, "knowledge score")
        self.fields = (
            Field("upn", True, rules.parse_upn),
            Field("school_urn", True, rules.parse_urn),
            Field("interview_date", True, rules.parse_date),
            Field("adviser_id", True, rules.plain_text),
            Field("mode", True, rules.coded(codes.mode)),
            Field("preferred_sector", True, rules.coded(codes.sectors)),
            Field("post16_plan", True, rules.coded(codes.post16_plans)),
            *(Field(column, False, score) for column in self.knowledge),
            Field("neet_risk", True, rules.coded(codes.neet_risk)),
            Field("predicted_destination", True, rules.coded(codes.destination)),
            Field("interventions", False, rules.code_list_items(codes.interventions)),
            Field("job_type", False, rules.plain_text, cacheable=False),
            Field("action_plan", False, rules.plain_text, cacheable=False),
        )
        self.raw_columns = (
            "file_id", "line_number", "cohort", "cycle", "student_key", "school_urn",
            "interview_date", "adviser_id", "mode", "preferred_sector", "post16_plan",
            *self.knowledge, "neet_risk", "predicted_destination", "interventions",
        )  # fmt: skip

    def file_problem(self, landed, context) -> str | None:
        return None

    def start(self, landed, context, file_id: int) -> InterviewsExtract.Rows:
        return self.Rows(self, landed, context, file_id)

    class Rows:
        def __init__(self, extract, landed, context, file_id: int):
            self.pseudonym = context.pseudonym
            self.schools = context.schools(landed.cohort)
            self.on_roster = context.roster(landed.cohort, landed.cycle)
            self.cohort, self.cycle = landed.cohort, landed.cycle
            self.adviser = landed.key
            self.adviser_folded = landed.key.casefold()
            self.target = cycle_start(landed.cohort, landed.cycle, extract.codes)
            self.file_id = file_id
            self.lineage = f"\t{landed.cohort}\t{landed.cycle}\t"
            self.dates_checked: dict[str, Finding | None] = {}

        def _date_warning(self, interview_date: str) -> Finding | None:
            # A date more than a month either side of the cycle's target month is a warning.
            if interview_date not in self.dates_checked:
                held = date.fromisoformat(interview_date)
                distance = _months_between(self.target, held)
                self.dates_checked[interview_date] = (
                    None
                    if -1 <= distance <= 1
                    else (
                        "interview_date",
                        interview_date,
                        f"is {abs(distance)} months from the cycle's target month "
                        f"({self.target:%B %Y})",
                    )
                )
            return self.dates_checked[interview_date]

        def accept(self, line: int, values: list[str]) -> Accepted | list[Finding]:
            upn, urn, held, adviser = values[0], values[1], values[2], values[3]
            if urn not in self.schools:
                return [("school_urn", urn, f"is not in schools.csv for cohort {self.cohort}")]
            key = self.pseudonym(upn)
            if (urn, key) not in self.on_roster:
                return [("upn", upn, f"is not on the cycle {self.cycle} roster of school {urn}")]
            raw = f"{self.file_id}\t{line}{self.lineage}{key}\t{urn}\t{chr(9).join(values[2:-2])}\n"
            job_type, action_plan = values[-2], values[-1]
            restricted = None
            if job_type != NULL or action_plan != NULL:
                restricted = f"{self.file_id}\t{line}\t{key}\t{job_type}\t{action_plan}\n"
            warnings = None
            if adviser.casefold() != self.adviser_folded:
                warnings = [
                    (
                        "adviser_id",
                        adviser,
                        f"does not match the file name's adviser {self.adviser}",
                    )
                ]
            date_warning = self.dates_checked.get(held) or self._date_warning(held)
            if date_warning:
                warnings = (warnings or []) + [date_warning]
            return raw, restricted, warnings


def all_extracts(codes: Codes) -> dict[str, object]:
    return {
        extract.kind: extract
        for extract in (SchoolsExtract(codes), RosterExtract(codes), InterviewsExtract(codes))
    }


__all__ = ["Accepted", "Finding", "Problem", "all_extracts", "cycle_start", "age_on"]
