"""Field rules of the extract contract (section 2-5).

Every parser takes the stripped, non-blank text of one cell and returns either the value as it
is to be loaded or a Problem that says, in plain English, what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as arrow
from pathways.ingestion.codes import CodeList
from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as stdnum_upn

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


# python-stdnum's alphabet and LA numbers (pinned): the vectorised screen must agree with it.
_UPN_ALPHABET = stdnum_upn._alphabet
_UPN_VALUE = np.full(256, -1)
_UPN_VALUE[[ord(c) for c in _UPN_ALPHABET]] = np.arange(len(_UPN_ALPHABET))
_UPN_CHECK = np.frombuffer(_UPN_ALPHABET[:23].encode(), np.uint8)
_UPN_LA_NUMBERS = np.array(sorted(stdnum_upn._la_numbers))


def upn_plainly_valid(column: pa.Array) -> np.ndarray:
    """True where a cell is a UPN already in its compact form with a right check letter: the
    cells parse_upn would return unchanged. The rest (a few) go through parse_upn itself."""
    plain = arrow.match_substring_regex(column, r"^[A-Z][0-9]{11}[A-Z0-9]$")
    plain = plain.to_numpy(zero_copy_only=False).copy()
    rows = np.flatnonzero(plain)
    if not len(rows):
        return plain
    packed = column.take(rows)  # a fresh array: 13 bytes each, back to back
    start = int(np.frombuffer(packed.buffers()[1], np.int32)[packed.offset])
    chars = np.frombuffer(packed.buffers()[2], np.uint8)[start : start + 13 * len(rows)]
    chars = chars.reshape(-1, 13)
    digits = chars[:, 1:4].astype(int) - ord("0")
    known = np.isin(digits @ np.array([100, 10, 1]), _UPN_LA_NUMBERS)
    values = _UPN_VALUE[chars[:, 1:]]
    check = (values * np.arange(2, 14)).sum(axis=1) % 23
    plain[rows] = known & (values >= 0).all(axis=1) & (_UPN_CHECK[check] == chars[:, 0])
    return plain


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


# Numbers as a spreadsheet or a person writes them: digits, one decimal point, a sign. Python's
# float() also takes `1_0` (ten), `1e1`, `nan` and `inf`: none of them is a figure an extract
# means (issue 27: a comparison rate `1_0` was loaded as 10.0).
PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def plain_number(text: str) -> float | None:
    text = text.strip()
    return float(text) if PLAIN_DECIMAL.fullmatch(text) else None


def whole_number_in(allowed: set[int], what: str) -> Parser:
    def parse(text: str) -> str | Problem:
        number = plain_number(text)
        if number is None or not number.is_integer() or int(number) not in allowed:
            listed = ", ".join(str(n) for n in sorted(allowed))
            return Problem(f"is not a {what}: expected one of {listed}")
        return str(int(number))

    return parse


def whole_number_between(low: int, high: int, what: str) -> Parser:
    def parse(text: str) -> str | Problem:
        number = plain_number(text)
        if number is None or not number.is_integer() or not low <= number <= high:
            return Problem(f"is not a {what}: expected a whole number {low}-{high}")
        return str(int(number))

    return parse


def number_between(low: float, high: float, what: str) -> Parser:
    def parse(text: str) -> str | Problem:
        number = plain_number(text.strip().removesuffix("%"))
        if number is None:
            return Problem(f"is not a number ({what})")
        if not low <= number <= high:
            return Problem(f"is outside {low:g}-{high:g} ({what})")
        return repr(number)

    return parse


def code_list_items(codes: CodeList) -> Parser:
    """A ';'-separated list of codes (or labels), returned as sorted distinct codes."""

    def parse(text: str) -> str | Problem:
        found = []
        items = text.split(";")
        for position, item in enumerate(items, start=1):
            if not item.strip():
                continue
            code = codes.lookup(item)
            if code is None:  # described, not quoted: it may be free text about the student
                return Problem(
                    f"has an item ({position} of {len(items)}, {len(item.strip())} characters) "
                    f"that is not in the {codes.name} code list"
                )
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
    # A vectorised test passing the cells that are already valid as sent (see batch).
    plainly_valid: Callable[[pa.Array], np.ndarray] | None = None

    def check(self, raw: str) -> str | Problem:
        text = raw.strip()
        if not text:
            return Problem("is required but blank") if self.required else NULL
        return self.parse(text)
