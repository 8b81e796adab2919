"""Where things are and which secrets to use; everything configurable comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
STATE_DIR = REPO_ROOT / ".state"
DEFAULT_WAREHOUSE_URL = "postgresql://postgres@127.0.0.1:5432/pathways"


def outbox() -> Path:
    """Where deliveries go (career-lead packs, open data): PATHWAYS_OUTBOX or .state/outbox."""
    return Path(os.environ.get("PATHWAYS_OUTBOX", STATE_DIR / "outbox"))


def suppression_threshold() -> int:
    """Partner figures withhold counts from 1 to threshold-1 (contract section 7); default 5."""
    value = os.environ.get("PATHWAYS_SUPPRESSION_THRESHOLD", "5")
    if not value.isdigit() or int(value) < 2:
        raise ConfigurationError(
            f"PATHWAYS_SUPPRESSION_THRESHOLD must be a whole number of at least 2, not {value!r}"
        )
    return int(value)


class ConfigurationError(RuntimeError):
    """A setting the run needs is missing or unusable; the message says which and how to fix it."""


def pseudonym_key() -> bytes:
    """The HMAC key that turns a UPN into a student pseudonym.

    Read from PATHWAYS_PSEUDONYM_KEY, or from the file named by PATHWAYS_PSEUDONYM_KEY_FILE.
    The same key must be used for every load, or one student becomes two.
    """
    value = os.environ.get("PATHWAYS_PSEUDONYM_KEY")
    if not value and os.environ.get("PATHWAYS_PSEUDONYM_KEY_FILE"):
        value = Path(os.environ["PATHWAYS_PSEUDONYM_KEY_FILE"]).read_text().strip()
    if not value:
        raise ConfigurationError(
            "No pseudonym key: set PATHWAYS_PSEUDONYM_KEY (or PATHWAYS_PSEUDONYM_KEY_FILE). "
            "`make demo` creates a local one in .secrets/pseudonym.key."
        )
    if len(value) < 32:
        raise ConfigurationError("PATHWAYS_PSEUDONYM_KEY must be at least 32 characters long.")
    return value.encode()
