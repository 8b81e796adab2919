"""The extracts of the contract: their columns, cross-column rules and where rows land.

Rules run column by column over a batch of rows (see ingestion.batch); each extract binds its
fields to the file being loaded (which school, which cycle) and turns a checked batch into
rows for its raw table and, for personal data, its restricted table.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as arrow
from pathways.ingestion import rules
from pathways.ingestion.batch import Batch, column_values
from pathways.ingestion.codes import Codes
from pathways.ingestion.rules import Field, Problem


def cycle_start(cohort: int, cycle: int, codes: Codes) -> date:
    """First day of the cycle's target month: cohort N starts Year 10 in September of year N."""
    months = 8 + int(codes.cycles[cycle]["target_month_offset"])
    return date(cohort + months // 12, months % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _also(parse: rules.Parser, then) -> rules.Parser:
    """A parser followed by a further rule on its result."""

    def checked(text: str):
        value = parse(text)
        return value if value.__class__ is Problem else then(value)

    return checked


def _within(first: date, last: date, window: str):
    """A rule on a loaded date: from first to last (inclusive), else why not."""

    def check(held: str):
        if first <= date.fromisoformat(held) <= last:
            return held
        return Problem(f"is outside {window} ({first:%B %Y} to {last:%B %Y})")

    return check


def _bound_to_file(fields, context, **extra_rules) -> tuple[Field, ...]:
    """The extract's fields for one file: any field named in extra_rules given a further rule
    that needs the file's context (and so no screen, which knows nothing of that rule)."""
    bound = []
    for spec in fields:
        if spec.name in extra_rules:
            parse = extra_rules[spec.name](spec.parse)
            spec = Field(spec.name, spec.required, parse, spec.cacheable)
        bound.append(spec)
    return tuple(bound)


def _first_seen(batch: Batch, column: str, seen: dict[str, int]) -> None:
    """Reject a value met again in the same file (first at line N)."""
    for index, value in enumerate(column_values(batch.columns[column])):
        if value is None or index in batch.rejected:
            continue
        if value in seen:
            batch.reject(index, (column, value, f"appears again (first at line {seen[value]})"))
        else:
            seen[value] = batch.lines[index]


Rows = pa.Table
UPN = Field("upn", True, rules.parse_upn, plainly_valid=rules.upn_plainly_valid)


class Extract:
    """What every extract may refuse before its rows are read; by default, nothing."""

    restricted_table: str | None = None
    restricted_columns: tuple[str, ...] = ()

    def file_problem(self, landed, context) -> str | None:
        """Why the file must be quarantined whatever its rows (its name, say)."""
        return None

    def header_problem(self, header: list[str]) -> str | None:
        """Why the file must be quarantined from its header, beyond missing columns."""
        return None


class SchoolsExtract(Extract):
    kind = "schools"
    raw_table = "raw.school"
    raw_columns = (
        "file_id", "line_number", "cohort", "urn", "school_name", "la_code", "year11_pupils",
    )  # fmt: skip

    def __init__(self, codes: Codes):
        self.fields = (
            Field("urn", True, rules.parse_urn),
            Field("school_name", True, rules.plain_text, cacheable=False),
            Field("la_code", True, rules.coded(codes.local_authorities)),
            Field("year11_pupils", False,
                  rules.whole_number_between(1, 1000, "Year 11 roll")),
        )  # fmt: skip

    def bind(self, landed, context, file_id: int) -> SchoolsExtract.File:
        return self.File(self, landed, file_id)

    class File:
        def __init__(self, extract, landed, file_id):
            self.fields = extract.fields
            self.constants = (file_id, landed.cohort)
            self.seen: dict[str, int] = {}

        def finish(self, batch: Batch) -> tuple[Rows, Rows | None]:
            _first_seen(batch, "urn", self.seen)
            c = batch.columns
            file_id, cohort = self.constants
            raw = batch.good(
                SchoolsExtract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), c["urn"], c["school_name"], c["la_code"],
                c["year11_pupils"],
            )  # fmt: skip
            return raw, None


class RosterExtract(Extract):
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
            UPN,
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

    def bind(self, landed, context, file_id: int) -> RosterExtract.File:
        return self.File(self, landed, context, file_id)

    class File:
        def __init__(self, extract, landed, context, file_id):
            cycle_day = cycle_start(landed.cohort, landed.cycle, extract.codes)

            def aged_12_to_17(born: str):
                age = age_on(date.fromisoformat(born), cycle_day)
                if 12 <= age <= 17:
                    return born
                side = "under 12" if age < 12 else "over 17"  # not the age: a reason is shown
                return Problem(f"gives an age {side} at the cycle; must be 12-17")

            self.fields = _bound_to_file(
                extract.fields, context, date_of_birth=lambda p: _also(p, aged_12_to_17)
            )
            self.context = context
            self.constants = (file_id, landed.cohort, landed.cycle, landed.key)
            self.seen: dict[str, int] = {}

        def finish(self, batch: Batch) -> tuple[Rows, Rows]:
            _first_seen(batch, "upn", self.seen)
            c = batch.columns
            keys = self.context.pseudonyms(c["upn"])
            file_id, cohort, cycle, urn = self.constants
            raw = batch.good(
                RosterExtract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), batch.constant(cycle), batch.constant(urn), keys,
                c["gender"], c["year_group"], c["sen_status"], c["disadvantaged"],
                c["attendance_pct"],
            )  # fmt: skip
            restricted = batch.good(
                RosterExtract.restricted_columns, batch.constant(file_id), batch.lines, keys,
                c["upn"], c["forename"], c["surname"], c["date_of_birth"],
            )  # fmt: skip
            return raw, restricted


class InterviewsExtract(Extract):
    kind = "interviews"
    raw_table = "raw.interview"
    restricted_table = "restricted.interview_note"
    restricted_columns = ("file_id", "line_number", "student_key", "job_type", "action_plan")

    def __init__(self, codes: Codes):
        self.codes = codes
        self.knowledge = [area["column"] for area in codes.knowledge_areas]
        score = rules.whole_number_in({1, 2, 3, 4, 5}, "knowledge score")
        self.fields = (
            UPN,
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
        self.loaded_as_is = [f.name for f in self.fields[2:-2]]
        self.raw_columns = (
            "file_id", "line_number", "cohort", "cycle", "student_key", "school_urn",
            *self.loaded_as_is,
        )  # fmt: skip

    def bind(self, landed, context, file_id: int) -> InterviewsExtract.File:
        return self.File(self, landed, context, file_id)

    class File:
        def __init__(self, extract, landed, context, file_id):
            schools = context.schools(landed.cohort)

            def in_schools(urn: str):
                if urn in schools:
                    return urn
                return Problem(f"is not in schools.csv for cohort {landed.cohort}")

            # Years 10 and 11 run September `cohort` to August `cohort` + 2; a date more than
            # a year outside that is no interview of this cohort (and would grow dim_date).
            earliest, latest = date(landed.cohort - 1, 9, 1), date(landed.cohort + 3, 8, 31)

            def in_window(held: str):
                if earliest <= date.fromisoformat(held) <= latest:
                    return held
                return Problem(
                    f"is outside cohort {landed.cohort}'s years ({earliest:%B %Y} to "
                    f"{latest:%B %Y}, a year either side of Years 10 and 11)"
                )

            self.fields = _bound_to_file(
                extract.fields,
                context,
                school_urn=lambda p: _also(p, in_schools),
                interview_date=lambda p: _also(p, in_window),
            )
            self.extract, self.context = extract, context
            self.cohort, self.cycle = landed.cohort, landed.cycle
            self.adviser = landed.key
            self.target = cycle_start(landed.cohort, landed.cycle, extract.codes)
            self.constants = (file_id, landed.cohort, landed.cycle)

        def _warn_where(self, batch: Batch, column: str, message_for) -> None:
            """Warn on every row whose value gets a message; worked out once per value."""
            encoded = arrow.dictionary_encode(batch.columns[column])
            distinct = encoded.dictionary.to_pylist()
            messages = [None if v is None else message_for(v) for v in distinct]
            flagged = [position for position, message in enumerate(messages) if message]
            if not flagged:
                return
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            for index in np.flatnonzero(np.isin(indices, flagged)):
                if index not in batch.rejected:
                    value = distinct[indices[index]]
                    batch.warn(index, (column, value, messages[indices[index]]))

        def _far_from_target(self, held: str) -> str | None:
            distance = months_between(self.target, date.fromisoformat(held))
            if -1 <= distance <= 1:
                return None
            return f"is {abs(distance)} months from the cycle's target month ({self.target:%B %Y})"

        def _not_file_adviser(self, adviser: str) -> str | None:
            if adviser.casefold() == self.adviser.casefold():
                return None
            return f"does not match the file name's adviser {self.adviser}"

        def finish(self, batch: Batch) -> tuple[Rows, Rows, Rows]:
            """Raw rows, notes, and each row's UPN for the settling rules."""
            c = batch.columns
            keys = self.context.pseudonyms(c["upn"])
            self._warn_where(batch, "adviser_id", self._not_file_adviser)
            self._warn_where(batch, "interview_date", self._far_from_target)
            file_id, cohort, cycle = self.constants
            raw = batch.good(
                self.extract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), batch.constant(cycle), keys, c["school_urn"],
                *(c[name] for name in self.extract.loaded_as_is),
            )  # fmt: skip
            notes = batch.good(
                InterviewsExtract.restricted_columns, batch.constant(file_id), batch.lines,
                keys, c["job_type"], c["action_plan"],
            )  # fmt: skip
            written = arrow.or_(arrow.is_valid(notes["job_type"]),
                                arrow.is_valid(notes["action_plan"]))  # fmt: skip
            staged = batch.good(STAGED_COLUMNS, batch.lines, c["upn"], keys, c["school_urn"])
            return raw, notes.filter(written), staged

        def settling_rules(self) -> tuple[str, ...]:
            """Set-based rules run over the copied rows (see file_rows._settle)."""
            return (NOT_ON_CYCLE_ROSTER.format(cohort=self.cohort, cycle=self.cycle),)


# Each settling rule names copied rows to move to the rejects: line, column, value, reason.
# They run after the file's COPY, in order, over the keys staged in pg_temp.loading_key (each
# row's line, UPN as sent, pseudonym and school: STAGED_COLUMNS); the rosters stay in the
# database, so memory does not grow with them. The file's constants are literals and its keys
# are analysed, so the planner reads only the rosters the file can match (roster_member).
STAGED_COLUMNS = ("line_number", "upn", "student_key", "school_urn")

NOT_ON_CYCLE_ROSTER = """
select k.line_number, 'upn' as column_name, k.upn as value,
    'is not on the cycle {cycle} roster of school ' || k.school_urn as reason
from pg_temp.loading_key as k
where not exists (
    select from raw.roster as r
    where r.cohort = {cohort:d} and r.cycle = {cycle:d} and r.school_urn = k.school_urn
        and r.student_key = k.student_key
        -- The file's own schools, once: so a hash is built over their rosters, not the cycle's.
        and r.school_urn = any(array(select distinct school_urn from pg_temp.loading_key))
)
"""


def _on_cohort_roster(cohort: int) -> str:
    """A settling rule: rows of the file whose student is on no roster of the cohort."""
    return f"""
select k.line_number, 'upn' as column_name, k.upn as value,
    'is not on a roster of cohort {cohort}: not a programme student' as reason
from pg_temp.loading_key as k
where not exists (
    select from raw.roster as r where r.cohort = {cohort:d} and r.student_key = k.student_key
)
"""


def _staged(batch: Batch, upns: pa.Array, keys: pa.Array) -> Rows:
    """The keys a cohort-roster rule reads, for the rows kept (no school: any of the cohort)."""
    return batch.good(STAGED_COLUMNS, batch.lines, upns, keys, batch.constant(None))


SAME_STUDENT_AND_MONTH = """
select line_number, 'activity_month' as column_name, to_char(activity_month, 'YYYY-MM') as value,
    'appears again for this student (first at line ' || first_line || ')' as reason
from (
    select line_number, activity_month,
        min(line_number) over (partition by student_key, activity_month) as first_line
    from raw.destination where file_id = %(file_id)s
) as months
where line_number > first_line
"""


def destination_months(cohort: int) -> tuple[date, date]:
    """September after Year 11 to the following March (section 8)."""
    return date(cohort + 2, 9, 1), date(cohort + 3, 3, 1)


def parse_month(text: str) -> str | Problem:
    """`YYYY-MM`, or a date whose month is taken; the first day of the month."""
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return f"{text}-01"
    day = rules.to_date(text)
    if day is None:
        return Problem("is not a month: expected YYYY-MM (or a date)")
    return f"{day:%Y-%m}-01"


def nccis_code(mapping: dict[str, str]) -> rules.Parser:
    def parse(text: str) -> str | Problem:
        if text.isdigit() and int(text) < 200:
            return Problem("is an NCCIS code for a pupil below leaving age (below 200)")
        return text if text in mapping else Problem("is not in the NCCIS activity code list")

    return parse


class DestinationsExtract(Extract):
    """A local authority's record of what each programme student did, month by month."""

    kind = "destinations"
    raw_table = "raw.destination"
    raw_columns = (
        "file_id", "line_number", "cohort", "la_code", "student_key", "activity_month",
        "activity", "nccis_code",
    )  # fmt: skip
    restricted_table = "restricted.destination_provider"
    restricted_columns = ("file_id", "line_number", "student_key", "provider")

    def __init__(self, codes: Codes):
        self.codes = codes
        self.fields = (
            UPN,
            Field("activity_month", True, parse_month),
            Field("activity", False, rules.coded(codes.activities)),
            Field("nccis_code", False, nccis_code(codes.nccis)),
            Field("provider", False, rules.plain_text, cacheable=False),
        )

    def file_problem(self, landed, context) -> str | None:
        if self.codes.local_authorities.lookup(landed.key) != landed.key:
            return f"'{landed.key}' in the file name is not a local authority code of the list"
        return None

    def header_problem(self, header: list[str]) -> str | None:
        if "activity" in header or "nccis_code" in header:
            return None
        return "missing column: a destinations file needs activity or nccis_code (or both)"

    def bind(self, landed, context, file_id: int) -> DestinationsExtract.File:
        return self.File(self, landed, context, file_id)

    class File:
        def __init__(self, extract, landed, context, file_id):
            first, last = destination_months(landed.cohort)
            in_window = _within(first, last, f"cohort {landed.cohort}'s destination months")
            self.fields = _bound_to_file(
                extract.fields, context, activity_month=lambda p: _also(p, in_window)
            )
            self.nccis = extract.codes.nccis
            self.context = context
            self.cohort = landed.cohort
            self.constants = (file_id, landed.cohort, landed.key)

        def _activity(self, batch: Batch, index: int, given: str, code: str) -> str | None:
            """The row's activity: the code given, or the NCCIS code's; None if rejected."""
            mapped = self.nccis.get(code) if code else None
            if given and mapped and given != mapped:
                reason = f"maps to {mapped}, which does not agree with the activity {given}"
                batch.reject(index, ("nccis_code", code, reason))
            elif not (given or mapped):
                batch.reject(index, ("activity", "", "is blank and so is nccis_code: one is "
                                                    "required"))  # fmt: skip
            return given or mapped

        def finish(self, batch: Batch) -> tuple[Rows, Rows, Rows]:
            """Raw rows, providers, and each row's UPN for the settling rules."""
            c = batch.columns
            keys = self.context.pseudonyms(c["upn"])
            file_id, cohort, la_code = self.constants
            given, codes = column_values(c["activity"]), column_values(c["nccis_code"])
            activities = []
            for index in range(batch.size):
                if index in batch.rejected:
                    activities.append(None)
                else:
                    activities.append(self._activity(batch, index, given[index], codes[index]))
            raw = batch.good(
                DestinationsExtract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), batch.constant(la_code), keys, c["activity_month"],
                pa.array(activities, pa.string()), c["nccis_code"],
            )  # fmt: skip
            providers = batch.good(
                DestinationsExtract.restricted_columns, batch.constant(file_id), batch.lines,
                keys, c["provider"],
            )  # fmt: skip
            staged = _staged(batch, c["upn"], keys)
            return raw, providers.filter(arrow.is_valid(providers["provider"])), staged

        def settling_rules(self) -> tuple[str, ...]:
            """Off-roster rows first, so a repeat is judged among programme students only."""
            return (_on_cohort_roster(self.cohort), SAME_STUDENT_AND_MONTH)


class ComparisonExtract(Extract):
    """What each local authority's young people of the same year group did: NEET and not
    known apart, per characteristic (contract 1.2), or the 1.1 combined rate for all of them."""

    kind = "comparison"
    raw_table = "raw.destination_comparison"
    raw_columns = (
        "file_id", "line_number", "cohort", "la_code", "characteristic", "pct_neet",
        "pct_not_known", "pct_neet_or_not_known",
    )  # fmt: skip
    RATES = ("pct_neet", "pct_not_known")
    COMBINED = "pct_neet_or_not_known"

    def __init__(self, codes: Codes):
        self.fields = (
            Field("la_code", True, rules.coded(codes.local_authorities)),
            Field("characteristic", False, rules.coded(codes.characteristics)),
            Field("pct_neet", False, rules.number_between(0, 100, "% NEET")),
            Field("pct_not_known", False, rules.number_between(0, 100, "% not known")),
            Field(self.COMBINED, False, rules.number_between(0, 100, "% NEET or not known")),
        )

    def header_problem(self, header: list[str]) -> str | None:
        if all(rate in header for rate in self.RATES) or self.COMBINED in header:
            return None
        return (
            "missing column: a comparison file needs pct_neet and pct_not_known "
            "(or, in the 1.1 layout, pct_neet_or_not_known)"
        )

    def bind(self, landed, context, file_id: int) -> ComparisonExtract.File:
        return self.File(self, landed, file_id)

    class File:
        def __init__(self, extract, landed, file_id):
            self.fields = extract.fields
            self.constants = (file_id, landed.cohort)
            self.seen: dict[tuple[str, str], int] = {}

        def _layout_problem(self, neet, not_known, combined, characteristic):
            """Why a row fits neither layout: (column, reason), or None."""
            if neet is not None and not_known is not None:
                if float(neet) + float(not_known) > 100:
                    return "pct_not_known", "with pct_neet makes more than 100 %"
                return None
            if neet is not None or not_known is not None:
                blank = "pct_not_known" if neet is not None else "pct_neet"
                return blank, "is blank: pct_neet and pct_not_known are given together"
            if combined is None:
                return "pct_neet", "is blank: a rate is required"
            if characteristic != "all":
                return "pct_neet", (
                    "is blank: only the rate for all young people may be given as "
                    "pct_neet_or_not_known alone (the 1.1 layout)"
                )
            return None

        def finish(self, batch: Batch) -> tuple[Rows, None]:
            c = batch.columns
            names = ("la_code", "characteristic", *ComparisonExtract.RATES, "pct_neet_or_not_known")
            la, given, neet, not_known, combined = (
                [value or None for value in column_values(c[name])] for name in names
            )
            characteristics = [value or "all" for value in given]
            for index in range(batch.size):
                if index in batch.rejected:
                    continue
                problem = self._layout_problem(
                    neet[index], not_known[index], combined[index], characteristics[index]
                )
                if problem:
                    column, reason = problem
                    batch.reject(index, (column, "", reason))
                    continue
                key = (la[index], characteristics[index])
                if key in self.seen:
                    column = "characteristic" if given[index] else "la_code"
                    reason = f"appears again (first at line {self.seen[key]})"
                    batch.reject(index, (column, given[index] or la[index], reason))
                else:
                    self.seen[key] = int(batch.lines[index])
            # The combined rate is kept only where it is all the row gives (the 1.1 layout).
            kept = [None if n is not None else b for n, b in zip(neet, combined, strict=True)]
            file_id, cohort = self.constants
            raw = batch.good(
                ComparisonExtract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), c["la_code"], pa.array(characteristics, pa.string()),
                c["pct_neet"], c["pct_not_known"], pa.array(kept, pa.string()),
            )  # fmt: skip
            return raw, None


class SurveyExtract(Extract):
    """The programme's follow-up of its students after Year 11: are they happy where they are."""

    kind = "survey"
    raw_table = "raw.survey"
    raw_columns = (
        "file_id", "line_number", "cohort", "student_key", "survey_date", "happy_with_destination",
    )  # fmt: skip

    def __init__(self, codes: Codes):
        self.fields = (
            UPN,
            Field("survey_date", True, rules.parse_date),
            Field("happy_with_destination", True, rules.coded(codes.happy)),
        )

    def bind(self, landed, context, file_id: int) -> SurveyExtract.File:
        return self.File(self, landed, context, file_id)

    class File:
        def __init__(self, extract, landed, context, file_id):
            first, _ = destination_months(landed.cohort)
            last = date(landed.cohort + 3, 3, 31)
            in_window = _within(first, last, f"cohort {landed.cohort}'s survey window")
            self.fields = _bound_to_file(
                extract.fields, context, survey_date=lambda p: _also(p, in_window)
            )
            self.context = context
            self.cohort = landed.cohort
            self.constants = (file_id, landed.cohort)
            self.seen: dict[str, int] = {}

        def finish(self, batch: Batch) -> tuple[Rows, None, Rows]:
            """Raw rows, no restricted ones, and each row's UPN for the settling rule."""
            _first_seen(batch, "upn", self.seen)
            c = batch.columns
            keys = self.context.pseudonyms(c["upn"])
            file_id, cohort = self.constants
            raw = batch.good(
                SurveyExtract.raw_columns, batch.constant(file_id), batch.lines,
                batch.constant(cohort), keys, c["survey_date"], c["happy_with_destination"],
            )  # fmt: skip
            return raw, None, _staged(batch, c["upn"], keys)

        def settling_rules(self) -> tuple[str, ...]:
            return (_on_cohort_roster(self.cohort),)


def all_extracts(codes: Codes) -> dict[str, object]:
    extracts = (
        SchoolsExtract(codes), RosterExtract(codes), InterviewsExtract(codes),
        ComparisonExtract(codes), DestinationsExtract(codes), SurveyExtract(codes),
    )  # fmt: skip
    return {extract.kind: extract for extract in extracts}
