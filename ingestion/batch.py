"""A batch of rows checked column by column, in Arrow: each distinct value is checked once.

Cells stay in Arrow arrays from the reader to the COPY: a column is dictionary-encoded, the
rules run in Python on its distinct values only, and the checked values are put back in place
with one `take`. Rejected rows are few; they are the only ones Python looks at one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as arrow
from pathways.ingestion.rules import NULL, Field, Problem

# (column, value, reason or message)
Finding = tuple[str | None, str | None, str]
# Checked values are remembered per file and column up to this many; keeps memory flat.
CACHE_LIMIT = 50_000
TEXT = pa.string()


@dataclass
class Batch:
    lines: np.ndarray  # the physical line of each row
    size: int
    columns: dict[str, pa.Array] = field(default_factory=dict)
    rejected: dict[int, list[Finding]] = field(default_factory=dict)
    warnings: list[tuple[int, Finding]] = field(default_factory=list)

    def reject(self, index: int, finding: Finding) -> None:
        self.rejected.setdefault(int(index), []).append(finding)

    def warn(self, index: int, finding: Finding) -> None:
        self.warnings.append((int(self.lines[index]), finding))

    def constant(self, value) -> pa.Array:
        return pa.repeat(value, self.size)

    def kept(self) -> np.ndarray:
        """True for the rows not rejected."""
        mask = np.ones(self.size, dtype=bool)
        mask[list(self.rejected)] = False
        return mask

    def good(self, names: tuple[str, ...], *columns: pa.Array) -> pa.Table:
        """These columns, for the rows of the batch that were not rejected."""
        table = pa.table([blank_as_null(c) for c in columns], names=list(names))
        return table.filter(self.kept()) if self.rejected else table


def blank_as_null(column: pa.Array | np.ndarray) -> pa.Array:
    """Blank text is loaded as NULL (as csv.writer's unquoted empty field always was)."""
    if not isinstance(column, pa.Array):
        return pa.array(column)
    if column.type != TEXT or column.null_count == len(column):
        return column
    return arrow.if_else(arrow.equal(column, NULL), pa.scalar(None, TEXT), column)


def checked_values(spec: Field, distinct: list[str], cache: dict) -> tuple[list, list[int]]:
    """The checked form of each distinct value (str or Problem) and the positions of the bad."""
    resolved, bad = [], []
    for position, value in enumerate(distinct):
        checked = cache.get(value)
        if checked is None:
            checked = spec.check(value)
            if spec.cacheable and len(cache) < CACHE_LIMIT:
                cache[value] = checked
        if checked.__class__ is Problem:
            bad.append(position)
        resolved.append(checked)
    return resolved, bad


def check_column(batch: Batch, spec: Field, raw: pa.Array, cache: dict) -> pa.Array:
    """The column's checked values; rows with a bad value are marked rejected in the batch.

    Values the field's vectorised screen passes are already in their loaded form; the rest are
    checked once per distinct value.
    """
    if not spec.required and not spec.cacheable:
        return raw  # optional free text: there is nothing to check, and it is loaded as sent
    plain = spec.plainly_valid(raw) if spec.plainly_valid else None
    if plain is not None and plain.all():
        return raw
    rows = np.arange(len(raw)) if plain is None else np.flatnonzero(~plain)
    loaded = _check_distinct(batch, spec, raw if plain is None else raw.take(rows), rows, cache)
    if loaded is None:
        return raw
    if plain is None:
        return loaded
    return arrow.replace_with_mask(raw, pa.array(~plain), loaded)


def _check_distinct(batch, spec, values: pa.Array, rows, cache) -> pa.Array | None:
    """`values` (at `rows` of the batch) checked once per distinct value: rows holding a bad
    one are rejected. Their loaded form, or None if every one loads as it was sent."""
    encoded = arrow.dictionary_encode(values)
    distinct = encoded.dictionary.to_pylist()
    resolved, bad = checked_values(spec, distinct, cache)
    if bad:
        _reject_bad_values(batch, spec, rows, encoded, distinct, resolved, bad)
    elif resolved == distinct:
        return None
    loaded = pa.array([None if v.__class__ is Problem else v for v in resolved], TEXT)
    return loaded.take(encoded.indices)


def _reject_bad_values(batch, spec, rows, encoded, distinct, resolved, bad) -> None:
    """Mark each row holding one of the `bad` distinct values rejected, with its reason."""
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(np.isin(indices, bad)):
        problem = resolved[indices[index]]
        batch.reject(rows[index], (spec.name, distinct[indices[index]], problem.reason))


def column_values(column: pa.Array) -> list:
    """A column as Python values, for the few rules that look at rows one by one."""
    return column.to_pylist()
