"""Loading one landed file atomically: validate row by row, COPY the good rows, record the rest."""

from __future__ import annotations

import csv
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
import pyarrow as pa
from pathways.ingestion.file_rows import BadHeader, stream_rows
from pathways.ingestion.layout import LandedFile, quarantined
from pathways.ingestion.readers import UnreadableFile

DATA_TABLES = (
    "raw.school",
    "raw.roster",
    "restricted.roster_identity",
    "raw.interview",
    "restricted.interview_note",
    "raw.destination",
    "restricted.destination_provider",
    "raw.destination_comparison",
    "raw.survey",
    "restricted.rejected_row",
    "raw.load_warning",
)


class LoadContext:
    """What row checks need to know beyond the file itself: pseudonyms, schools, rosters."""

    def __init__(self, conn: psycopg.Connection, key: bytes):
        self.conn = conn
        # HMAC-SHA256 with the key's inner and outer hashes worked out once (RFC 2104): each
        # pseudonym is then two hash copies, not a new HMAC object.
        padded = key if len(key) <= 64 else hashlib.sha256(key).digest()
        padded = padded.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._schools: dict[int, set[str]] = {}
        self.deliveries: DeliveryOrder | None = None  # set once the load knows its files

    def pseudonym(self, upn: str) -> str:
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(upn.encode())
        outer.update(inner.digest())
        return outer.hexdigest()[:32]

    def pseudonyms(self, upns: pa.Array) -> pa.Array:
        """Pseudonyms for a column of checked UPNs (null where the UPN was bad)."""
        pseudonym = self.pseudonym
        keys = [None if upn is None else pseudonym(upn) for upn in upns.to_pylist()]
        return pa.array(keys, pa.string())

    def schools(self, cohort: int) -> set[str]:
        if cohort not in self._schools:
            rows = self.conn.execute("select urn from raw.school where cohort = %s", (cohort,))
            self._schools[cohort] = {urn for (urn,) in rows}
        return self._schools[cohort]

    def forget(self, landed: LandedFile) -> None:
        """A schools or roster file changed: what depends on it must be read again."""
        if landed.kind == "schools":
            self._schools.pop(landed.cohort, None)


class DeliveryOrder:
    """When and in what order this load delivers the files it is the first to see (contract 1.2
    section 1): at its start, ordered among themselves by file time, then path in byte order,
    after everything delivered before."""

    def __init__(self, conn: psycopg.Connection, landed: list[LandedFile]):
        with conn.transaction():  # its own: each file's load commits on its own
            self.first_sight, last = conn.execute(
                "select now(), coalesce(max(delivery_order), 0) from raw.file_load"
            ).fetchone()
        by_time_then_path = sorted(landed, key=lambda f: (f.modified_at, f.relative_path.encode()))
        self._order = {f.relative_path: last + n for n, f in enumerate(by_time_then_path, 1)}

    def of(self, landed: LandedFile, current: _Delivery | None, sha256: str) -> tuple:
        """(delivered_at, delivery_order): the same bytes again keep their first sight."""
        if current and current.sha256 == sha256:
            return current.delivered_at, current.delivery_order
        return self.first_sight, self._order[landed.relative_path]


@dataclass
class FileResult:
    relative_path: str
    outcome: str  # loaded | quarantined | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    reason: str | None = None
    reject_reasons: Counter = field(default_factory=Counter)
    replaced_earlier_delivery: bool = False
    seconds: float = 0.0

    def count_again(self) -> None:
        """The file is read again from the start: its row counts start again too."""
        self.rows_read = self.rows_loaded = self.rows_rejected = self.warnings = 0
        self.reject_reasons = Counter()


class FileChanged(UnreadableFile):
    """The file's bytes changed while it was read: what was read may be a torn mixture."""


# Whatever reading a hostile or broken file can raise: the file is quarantined with the error
# and the run goes on. (A lost database connection is not among them: it fails the run.)
UNREADABLE = (
    UnreadableFile, BadHeader, OSError, UnicodeError, ValueError, TypeError, KeyError,
    IndexError, csv.Error, psycopg.errors.DataError,
)  # fmt: skip


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fingerprint(landed: LandedFile) -> tuple[LandedFile, str, int, os.stat_result | None]:
    """The file's digest, size and status before it is read. A link that is not followed, and
    a file that cannot be opened, get no digest, so a later run looks at them again."""
    if landed.problem and landed.path.is_symlink():
        return landed, "", 0, None  # never read through a link that leaves the landing
    try:
        sha256, size = file_digest(landed.path)
        return landed, sha256, size, landed.path.stat()
    except OSError as error:
        if not landed.problem:
            landed = quarantined(landed, f"cannot be read: {error.strerror or error}")
        return landed, "", 0, None


# A signature younger than this may be "racily clean" (as git calls it): a write in the same
# clock tick as the stat would leave every time unchanged. Such a file is digested every run
# until it has been still for this long.
QUIET_NS = 2_000_000_000


def file_signature(landed: LandedFile) -> str | None:
    """Device, inode, size and times of a file the layout did not refuse, if it has been still
    for QUIET_NS: the same signature again means the same bytes, without reading them. (The
    change time is the kernel's: a copy that keeps the file's times still gets a new one.)"""
    if landed.problem:
        return None
    try:
        stat = landed.path.stat()
    except OSError:
        return None
    if time.time_ns() - stat.st_ctime_ns < QUIET_NS:
        return None
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def _unchanged_since(path: Path, before, sha256: str) -> None:
    """Raise FileChanged if the file is not the one that was digested before it was read."""
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        file_digest(path)[0] != sha256
    ):
        raise FileChanged(
            "the file changed while it was read (it is being written?): nothing of it was "
            "loaded; it is read again on the next run"
        )


def _plain_reason(problem: Exception) -> str:
    if isinstance(problem, UnreadableFile | BadHeader):
        return str(problem)
    if isinstance(problem, OSError):
        return f"cannot be read: {problem.strerror or problem}"
    # Not the message: a parser's or the database's quotes the value it choked on.
    return f"cannot be read as an extract ({type(problem).__name__})"


def _supersede(cursor: psycopg.Cursor, file_id: int) -> None:
    for table in DATA_TABLES:
        cursor.execute(f"delete from {table} where file_id = %s", (file_id,))
    cursor.execute(
        "update raw.file_load set is_current = false, superseded_at = clock_timestamp() "
        "where file_id = %s",
        (file_id,),
    )


def load_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    extracts: dict,
    context: LoadContext,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> FileResult:
    """Load one file in one transaction: all of it (rows or quarantine record) or nothing.

    Same bytes as the current delivery of this path: nothing changes (unless force, used when
    a file it was checked against has changed). New bytes: the earlier delivery is replaced.
    """
    started = time.perf_counter()
    result = FileResult(landed.relative_path, "loaded")
    signature = file_signature(landed)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(hashtext(%s))", (landed.relative_path,))
        current = _current_delivery(cursor, landed)
        if current and current.untouched(signature, force):
            return FileResult(landed.relative_path, "unchanged")  # not read: see file_signature
        landed, sha256, size, before = _fingerprint(landed)
        if current and current.stands(sha256, force):
            _remember_signature(cursor, current.file_id, signature)
            return FileResult(landed.relative_path, "unchanged")
        if current:
            _supersede(cursor, current.file_id)
            result.replaced_earlier_delivery = current.sha256 != sha256
        extract = extracts.get(landed.kind)
        reason = _file_problem(landed, extract, context)
        delivered = context.deliveries.of(landed, current, sha256)
        file_id = _record_delivery(cursor, landed, sha256, size, delivered)
        if not reason:
            try:
                with conn.transaction():
                    stream_rows(cursor, extract, landed, context, file_id, result, progress)
                    _unchanged_since(landed.path, before, sha256)
            except UNREADABLE as problem:  # nothing of the file is kept: a fresh result
                reason, result = _plain_reason(problem), FileResult(landed.relative_path, "loaded")
        _record_outcome(cursor, file_id, result, reason)
        if file_signature(landed) == signature:  # still the file that was digested
            _remember_signature(cursor, file_id, signature)
    if landed.kind in ("schools", "roster"):
        context.forget(landed)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Delivery:
    file_id: int
    sha256: str
    delivered_at: datetime
    delivery_order: int
    # A name no extract pattern knew when it was delivered (destinations before section 8)
    # is examined again once one does, though its bytes are the same.
    newly_known: bool

    file_signature: str | None

    def stands(self, sha256: str, force: bool) -> bool:
        """The same bytes again, and nothing asks for them to be loaded again."""
        return self.sha256 == sha256 and not force and not self.newly_known

    def untouched(self, signature: str | None, force: bool) -> bool:
        """The file digested for this delivery, untouched since (so its bytes are not read),
        and nothing asks for it to be loaded again."""
        return (
            signature is not None
            and signature == self.file_signature
            and (self.stands(self.sha256, force))
        )


def _file_problem(landed: LandedFile, extract, context: LoadContext) -> str | None:
    """Why the whole file is quarantined before its rows are read, if it is."""
    if landed.problem:
        return landed.problem
    return extract.file_problem(landed, context) if extract else None


def _current_delivery(cursor, landed: LandedFile) -> _Delivery | None:
    current = cursor.execute(
        "select file_id, sha256, delivered_at, delivery_order, extract_kind, file_signature "
        "from raw.file_load where source_path = %s and is_current",
        (landed.relative_path,),
    ).fetchone()
    if current is None:
        return None
    *delivery, kind, signature = current
    newly_known = kind is None and landed.kind is not None
    return _Delivery(*delivery, newly_known=newly_known, file_signature=signature)


def _remember_signature(cursor, file_id: int, signature: str | None) -> None:
    cursor.execute(
        "update raw.file_load set file_signature = %s where file_id = %s", (signature, file_id)
    )


def _record_delivery(cursor, landed: LandedFile, sha256: str, size: int, delivered) -> int:
    return cursor.execute(
        "insert into raw.file_load (source_path, extract_kind, cohort, cycle, file_key, "
        "sha256, size_bytes, delivered_at, delivery_order, modified_at, status) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'loaded') returning file_id",
        (
            landed.relative_path, landed.kind, landed.cohort, landed.cycle, landed.key,
            sha256, size, *delivered, landed.modified_at,
        ),
    ).fetchone()[0]  # fmt: skip


def _record_outcome(cursor, file_id: int, result: FileResult, reason: str | None) -> None:
    if reason:
        result.outcome, result.reason = "quarantined", reason
    cursor.execute(
        "update raw.file_load set status = %s, quarantine_reason = %s, rows_read = %s, "
        "rows_loaded = %s, rows_rejected = %s, warnings = %s where file_id = %s",
        (
            result.outcome, reason, result.rows_read, result.rows_loaded,
            result.rows_rejected, result.warnings, file_id,
        ),
    )  # fmt: skip
