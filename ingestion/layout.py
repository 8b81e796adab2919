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
    "comparison": re.compile(rf"{_COHORT}/destinations/comparison{_EXT}", re.IGNORECASE),
    "survey": re.compile(rf"{_COHORT}/destinations/survey{_EXT}", re.IGNORECASE),
    "destinations": re.compile(
        rf"{_COHORT}/destinations/destinations_(?P<key>[^/]+?){_EXT}", re.IGNORECASE
    ),
}
# Schools first, then each cycle's rosters, then its interviews: later extracts are checked
# against what the earlier ones loaded. Destinations come after every cycle (their students
# must be on a roster of the cohort).
KIND_ORDER = {
    "schools": 0, "roster": 1, "interviews": 2, "comparison": 3, "destinations": 4, "survey": 5,
}  # fmt: skip
AFTER_EVERY_CYCLE = 99


@dataclass(frozen=True)
class LandedFile:
    path: Path
    relative_path: str
    kind: str | None
    cohort: int | None = None
    cycle: int | None = None
    key: str | None = None  # a roster's URN, an interview file's adviser, destinations' LA
    ext: str = "csv"
    problem: str | None = None  # why the name alone quarantines it

    @property
    def modified_at(self) -> datetime:
        """The file's time: copying tools keep the sender's, so it is not when it was delivered."""
        for look in (self.path.stat, self.path.lstat):  # a dangling link: its own time
            try:
                return datetime.fromtimestamp(look().st_mtime, tz=UTC)
            except OSError:
                continue
        return datetime.fromtimestamp(0, tz=UTC)  # gone since it was found: quarantined later

    @property
    def sort_key(self) -> tuple:
        after_cycles = self.kind in ("comparison", "destinations", "survey")
        return (
            self.cohort or 0,
            AFTER_EVERY_CYCLE if after_cycles else self.cycle or 0,
            KIND_ORDER.get(self.kind, 9),
            self.relative_path,
        )


def _outside(path: Path, root: Path) -> str | None:
    """Why a link must not be followed: it leaves the landing folder, or leads nowhere."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    if not target.exists():
        return "is a link to a file that does not exist"
    if not target.is_relative_to(root.resolve()):
        return "is a link to a file outside the landing folder: not followed"
    return None


def _unusable_name(path: Path, root: Path) -> LandedFile | None:
    """A file whose name cannot be stored, or a link that must not be followed."""
    relative = path.relative_to(root).as_posix()
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        # Shown with the bad bytes escaped: the name cannot be stored or matched as it is.
        shown = relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return LandedFile(path, shown, None, problem="the file name is not valid UTF-8")
    link_problem = _outside(path, root)
    if link_problem:
        return LandedFile(path, relative, None, problem=link_problem)
    return None


def _matched(path: Path, relative: str, kind: str, match: re.Match, known_cycles) -> LandedFile:
    """The extract a name matched, quarantined if its cycle or URN is not a real one."""
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
        return quarantined(landed, f"cycle {cycle} is not a programme cycle (1-7)")
    if kind == "roster" and not re.fullmatch(r"\d{6}", landed.key or ""):
        return quarantined(landed, f"'{landed.key}' in the file name is not a 6-digit URN")
    return landed


def classify(path: Path, root: Path, known_cycles: set[int]) -> LandedFile:
    if unusable := _unusable_name(path, root):
        return unusable
    relative = path.relative_to(root).as_posix()
    for kind, pattern in _PATTERNS.items():
        if match := pattern.fullmatch(relative):
            return _matched(path, relative, kind, match, known_cycles)
    return LandedFile(
        path=path,
        relative_path=relative,
        kind=None,
        problem=(
            "file name fits no extract pattern (expected cohort=YYYY/schools.csv, "
            "cohort=YYYY/cycle=N/roster_<URN>.csv|xlsx, "
            "cohort=YYYY/cycle=N/interviews_<ADVISER>.csv|xlsx, "
            "cohort=YYYY/destinations/destinations_<LA code>.csv|xlsx, "
            "cohort=YYYY/destinations/comparison.csv|xlsx or "
            "cohort=YYYY/destinations/survey.csv|xlsx)"
        ),
    )


def quarantined(landed: LandedFile, problem: str) -> LandedFile:
    return LandedFile(**{**landed.__dict__, "problem": problem})


def discover(root: Path, known_cycles: set[int]) -> list[LandedFile]:
    """Every file under root, classified, in the order they must be loaded."""
    files = [
        classify(p, root, known_cycles)
        for p in root.rglob("*")
        if p.is_file() or p.is_symlink() and not p.is_dir()
    ]
    return sorted(files, key=lambda f: f.sort_key)
