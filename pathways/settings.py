"""Where things are and which secrets to use; everything configurable comes from the environment."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit


def _checkout() -> Path | None:
    """The repository this code runs from (an editable install), or None for an installed wheel."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "scripts").is_dir() else None


CHECKOUT = _checkout()
# Where a run keeps its local state (the demo landing, dbt's target, Airflow's and Superset's
# homes, the outbox): PATHWAYS_STATE_DIR, else .state in the checkout, else .state in the working
# directory of an installed package (as dbt writes its target/ where it is run).
WORKING_ROOT = CHECKOUT or Path.cwd()
STATE_DIR = Path(os.environ.get("PATHWAYS_STATE_DIR") or WORKING_ROOT / ".state")


def venv_bin(venv: str) -> Path:
    """The bin folder of one of the checkout's venvs (.venv, .venv-dbt, .venv-superset); for an
    installed package, the bin folder of the environment it runs in."""
    return CHECKOUT / venv / "bin" if CHECKOUT else Path(sys.executable).parent


DEFAULT_WAREHOUSE_URL = "postgresql://postgres@127.0.0.1:5432/pathways"


def shown(path: Path) -> str:
    """A path as people read it: relative to the checkout (or working folder) when inside it."""
    try:
        return str(Path(path).resolve().relative_to(WORKING_ROOT))
    except ValueError:
        return str(path)


PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: Path) -> Path:
    """path and any folder made for it, readable by the service's user only (mkdir's mode is cut
    by the umask, so it is set after)."""
    path = Path(path)
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in [*missing, path]:
        folder.chmod(PRIVATE_FOLDER)
    return path


def private_files(folder: Path) -> None:
    """Every file under folder readable by the service's user only (databases, logs, secrets)."""
    for path in Path(folder).rglob("*"):
        path.chmod(PRIVATE_FOLDER if path.is_dir() else PRIVATE_FILE)


def write_private(path: Path, text: str) -> None:
    """A new file of secrets, 0600 from the moment it exists (not written, then hidden)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def bind_host() -> str:
    """Where local services listen: PATHWAYS_BIND_HOST, by default this machine alone."""
    return os.environ.get("PATHWAYS_BIND_HOST", "127.0.0.1")


def is_local(location: str) -> bool:
    """A folder, or a file:// URL; anything else is an fsspec URL (s3://, gcs://, ...)."""
    return urlsplit(location).scheme in ("", "file")


def local_path(location: str) -> Path:
    return Path(urlsplit(location).path if location.startswith("file:") else location)


def outbox_location() -> str:
    """Where deliveries go (career-lead packs, open data): PATHWAYS_OUTBOX (a folder or any
    fsspec URL), else .state/outbox."""
    return os.environ.get("PATHWAYS_OUTBOX") or str(STATE_DIR / "outbox")


def outbox() -> Path:
    """The folder deliveries are written and switched in (pathways/deliver/outbox.py): the
    outbox itself when it is local; for a remote outbox, a private local copy of it under the
    state folder, from which each switched delivery is uploaded."""
    location = outbox_location()
    if is_local(location):
        return local_path(location)
    return STATE_DIR / "outbox-copies" / hashlib.sha256(location.encode()).hexdigest()[:16]


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


def local_key_file() -> Path:
    """Where `make demo` keeps the checkout's own key (git-ignored): .secrets/pseudonym.key, or
    under PATHWAYS_SECRETS_DIR."""
    secrets = os.environ.get("PATHWAYS_SECRETS_DIR") or WORKING_ROOT / ".secrets"
    return Path(secrets) / "pseudonym.key"


def pseudonym_key_source() -> tuple[str, str] | None:
    """(the key, where it came from): PATHWAYS_PSEUDONYM_KEY, else the file named by
    PATHWAYS_PSEUDONYM_KEY_FILE, else the checkout's local key when it exists; None if none."""
    if os.environ.get("PATHWAYS_PSEUDONYM_KEY"):
        return os.environ["PATHWAYS_PSEUDONYM_KEY"], "PATHWAYS_PSEUDONYM_KEY"
    named = os.environ.get("PATHWAYS_PSEUDONYM_KEY_FILE")
    if named:
        return Path(named).read_text().strip(), f"the file {named} (PATHWAYS_PSEUDONYM_KEY_FILE)"
    local = local_key_file()
    if local.is_file():
        return local.read_text().strip(), f"the local key {shown(local)}"
    return None


_announced: set[str] = set()
log = logging.getLogger("pathways")


def pseudonym_key() -> bytes:
    """The HMAC key that turns a UPN into a student pseudonym (see pseudonym_key_source).

    The same key must be used for every load, or one student becomes two.
    """
    found = pseudonym_key_source()
    if not found or not found[0]:
        raise ConfigurationError(
            "No pseudonym key: set PATHWAYS_PSEUDONYM_KEY (or PATHWAYS_PSEUDONYM_KEY_FILE). "
            f"`make demo` creates a local one in {local_key_file()}."
        )
    value, source = found
    if source.startswith("the local key") and source not in _announced:
        _announced.add(source)  # the environment wins; say when it did not have one
        # A log line, not stderr: Airflow shows a task's stderr at ERROR level (issue 29).
        log.info("pseudonym key: %s", source)
    if len(value) < 32:
        raise ConfigurationError("PATHWAYS_PSEUDONYM_KEY must be at least 32 characters long.")
    return value.encode()
