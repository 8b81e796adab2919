"""A batch of rows checked column by column: each distinct value is checked once per file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress

from ingestion.rules import Field, Problem

# (column, value, reason or message)
Finding = tuple[str | None, str | None, str]
# Checked values are remembered per file and column up to this many; keeps memory flat.
CACHE_LIMIT = 50_000


@dataclass
class Batch:
    lines: Sequence[int]
    size: int
    columns: dict[str, Sequence] = field(default_factory=dict)
    rejected: dict[int, list[Finding]] = field(default_factory=dict)
    warnings: list[tuple[int, Finding]] = field(default_factory=list)

    def reject(self, index: int, finding: Finding) -> None:
        self.rejected.setdefault(index, []).append(finding)

    def warn(self, index: int, finding: Finding) -> None:
        self.warnings.append((self.lines[index], finding))

    def good(self, *columns) -> Iterator[tuple]:
        """Rows made of these columns, for the rows of the batch that were not rejected."""
        rows = zip(*columns, strict=False)  # constant columns are endless repeats
        if not self.rejected:
            return rows
        return compress(rows, [i not in self.rejected for i in range(self.size)])


def check_column(batch: Batch, spec: Field, raw: Sequence[str], cache: dict) -> Sequence:
    """The column's checked values; rows with a bad value are marked rejected in the batch.

    Work is per distinct value, so a column of a few codes costs almost nothing per row, and a
    column whose values are already in their loaded form is passed through untouched.
    """
    if not spec.required and not spec.cacheable:
        return raw  # optional free text: there is nothing to check, and it is loaded as sent
    resolved, bad, unchanged = {}, [], True
    for value in set(raw):
        checked = cache.get(value)
        if checked is None:
            checked = spec.check(value)
            if spec.cacheable and len(cache) < CACHE_LIMIT:
                cache[value] = checked
        resolved[value] = checked
        if checked.__class__ is Problem:
            bad.append(value)
        elif checked != value:
            unchanged = False
    if bad:
        bad_values = set(bad)
        for index, value in enumerate(raw):
            if value in bad_values:
                batch.reject(index, (spec.name, value, resolved[value].reason))
    if unchanged and not bad:
        return raw
    return list(map(resolved.__getitem__, raw))
