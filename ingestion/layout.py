"""Finding extracts in a landing folder by the contract's layout (section 1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_COHORT = r"cohort=(?P<cohort>\d{4})"
_CYCLE = r"cycle=(?P<cycle>\d+)"
_EXT = r"\.(?P<ext>csv|xlsx)"
_PATTERNS = {
    "schools": re.compile(rf"{_COHORT}/schools\.csv", re.IGNORECASE),
    "roster": re.compile(rf"{_COHORT}/{_CYCLE}/roster_(?P<key>[^/]+?){_EXT}", re.IGNORECASE),
    "interviews": re.compile(
        rf"{_COHORT}/{_CYCLE}/interviews_(?P<key>[A-Za-z0-9][A-Za-z0-9_-]*){_EXT}", re.IGNORECASE
    ),
}
# Schools first, then each cycle's rosters, then its interviews: later extracts are checked
# against what the earlier ones loaded.
KIND_ORDER = {"schools": 0, "roster": 1, "interviews": 2}


@dataclass(frozen=True)
class LandedFile:
    path: Path
    relative_path: str
    kind: str | None
    cohort: int | None = None
    cycle: int | None = None
    key: str | None = None  # the URN of a roster, the adviser of an interview file
    ext: str = "csv"
    problem: str | None = None  # why the name alone quarantines it

    @property
    def delivered_at(self) -> datetime:
        return datetime.fromtimestamp(self.path.stat().st_mtime, tz=UTC)

    @property
    def sort_key(self) -> tuple:
        return (
            self.cohort or 0,
            self.cycle or 0,
            KIND_ORDER.get(self.kind, 9),
            self.relative_path,
        )


def classify(path: Path, root: Path, known_cycles: set[int]) -> LandedFile:
    relative = path.relative_to(root).as_posix()
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(relative)
        if not match:
            continue
        groups = match.groupdict()
        cycle = int(groups["cycle"]) if groups.get("cycle") else None
        landed = LandedFile(
            path=path,
            relative_path=relative,
            kind=kind,
            cohort=int(groups["cohort"]),
            cycle=cycle,
            key=groups.get("key"),
            ext=(groups.get("ext") or "csv").lower(),
        )
        if cycle is not None and cycle not in known_cycles:
            return _quarantined(landed, f"cycle {cycle} is not a programme cycle (1-7)")
        if kind == "roster" and not re.fullmatch(r"\d{6}", landed.key or ""):
            return _quarantined(landed, f"'{landed.key}' in the file name is not a 6-digit URN")
        return landed
    return LandedFile(
        path=path,
        relative_path=relative,
        kind=None,
        problem=(
            "file name fits no extract pattern (expected cohort=YYYY/schools.csv, "
            "cohort=YYYY/cycle=N/roster_<URN>.csv|xlsx or "
            "cohort=YYYY/cycle=N/interviews_<ADVISER>.csv|xlsx)"
        ),
    )


def _quarantined(landed: LandedFile, problem: str) -> LandedFile:
    return LandedFile(**{**landed.__dict__, "problem": problem})


def discover(root: Path, known_cycles: set[int]) -> list[LandedFile]:
    """Every file under root, classified, in the order they must be loaded."""
    files = [classify(p, root, known_cycles) for p in root.rglob("*") if p.is_file()]
    return sorted(files, key=lambda f: f.sort_key)
