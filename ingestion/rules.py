"""Field rules of the extract contract (section 2-5).

Every parser takes the stripped, non-blank text of one cell and returns either the value as it
is to be loaded or a Problem that says, in plain English, what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as stdnum_upn

from ingestion.codes import CodeList

NULL = ""  # rows are COPYed as CSV, where an unquoted empty field is NULL


@dataclass(frozen=True)
class Problem:
    reason: str


Parser = Callable[[str], "str | Problem"]

_UPN_PROBLEMS = {
    stdnum_errors.InvalidLength: "is not a UPN: it must be 13 characters",
    stdnum_errors.InvalidFormat: "is not a UPN: characters 2-12 must be digits",
    stdnum_errors.InvalidComponent: "is not a UPN: characters 2-4 are not a known LA number",
    stdnum_errors.InvalidChecksum: "is not a UPN: its check letter is wrong",
}


def parse_upn(text: str) -> str | Problem:
    """Permanent or temporary UPN, checked with python-stdnum; returns the compact form."""
    try:
        return stdnum_upn.validate(text)
    except stdnum_errors.ValidationError as error:
        return Problem(_UPN_PROBLEMS.get(type(error), "is not a valid UPN"))


def parse_urn(text: str) -> str | Problem:
    if len(text) == 6 and text.isdigit():
        return text
    return Problem("is not a URN: it must be 6 digits")


def to_date(text: str) -> date | None:
    """YYYY-MM-DD or UK DD/MM/YYYY; None when it is neither or not a real day."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_date(text: str) -> str | Problem:
    parsed = to_date(text)
    if parsed is None:
        return Problem("is not a date: expected YYYY-MM-DD or DD/MM/YYYY")
    return parsed.isoformat()


def coded(codes: CodeList) -> Parser:
    def parse(text: str) -> str | Problem:
        code = codes.lookup(text)
        if code is None:
            return Problem(f"is not in the {codes.name} code list (code or label)")
        return code

    return parse


def whole_number_in(allowed: set[int], what: str) -> Parser:
    def parse(text: str) -> str | Problem:
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not number.is_integer() or int(number) not in allowed:
            listed = ", ".join(str(n) for n in sorted(allowed))
            return Problem(f"is not a {what}: expected one of {listed}")
        return str(int(number))

    return parse


def number_between(low: float, high: float, what: str) -> Parser:
    def parse(text: str) -> str | Problem:
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            return Problem(f"is not a number ({what})")
        if not low <= number <= high:
            return Problem(f"is outside {low:g}-{high:g} ({what})")
        return repr(number)

    return parse


def code_list_items(codes: CodeList) -> Parser:
    """A ';'-separated list of codes (or labels), returned as sorted distinct codes."""

    def parse(text: str) -> str | Problem:
        found = []
        for item in text.split(";"):
            if not item.strip():
                continue
            code = codes.lookup(item)
            if code is None:
                return Problem(f"has '{item.strip()}', which is not in the {codes.name} code list")
            found.append(code)
        return ";".join(sorted(set(found))) or NULL

    return parse


def plain_text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Field:
    """One contract column: its header name, whether it is required and how a cell is checked."""

    name: str
    required: bool
    parse: Parser
    # Repeated values (codes, dates, scores) are checked once per file and remembered.
    cacheable: bool = True

    def check(self, raw: str) -> str | Problem:
        text = raw.strip()
        if not text:
            return Problem("is required but blank") if self.required else NULL
        return self.parse(text)
