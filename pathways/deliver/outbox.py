"""The outbox: deliveries written aside, private to the service's user, and switched into place
whole (issue 27).

A delivery folder (a cycle's career-lead packs, the open data) is written into a staging folder
beside it, then exchanged with the folder it replaces in one rename (renameat2's
RENAME_EXCHANGE), so a reader sees the last good release or the new one, never a mix; a failure
(a full disk, a file that fails the screener) leaves the last good release and removes what was
staged, personal files included. Every folder is 0700 and every file 0600: a pack holds
children's names, SEN status and NEET risk.

Deliveries made in one `delivering` block are switched together at its end: `pathways run`
stages its packs and open data and switches both only when both were written. (The switch
itself is a few renames, one per folder: what is not atomic is the moment between them.)

A remote outbox (PATHWAYS_OUTBOX an fsspec URL: s3://, gcs://, ...) is written the same way
into a private local copy (settings.outbox()), and each switched folder is then uploaded: its
files put, then the files the last release had and this one has not removed. An object store
has no rename to switch with, so a reader there can see a release part-uploaded; its privacy is
the store's (a bucket no one else can list), which the local copy's 0700/0600 cannot carry.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pathways import settings
from pathways.settings import private_files, private_folder

STAGING_PREFIX = ".staging-"
RENAME_EXCHANGE = 2  # linux/fs.h

_active: contextvars.ContextVar[_Staging | None] = contextvars.ContextVar("staging", default=None)


class _Staging:
    def __init__(self, outbox: Path):
        self.outbox = outbox
        self.root = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=outbox))
        self.folders: list[str] = []

    def folder(self, relative: str) -> Path:
        """A delivery folder (relative to the outbox) to write into, empty, switched at the end."""
        if relative not in self.folders:
            self.folders.append(relative)
        return private_folder(self.root / relative)

    def switch(self) -> None:
        for relative in self.folders:
            staged, target = self.root / relative, self.outbox / relative
            private_files(staged)
            private_folder(target.parent)
            if target.exists():
                _exchange(staged, target)  # the old release now sits in staging, removed after
            else:
                staged.rename(target)


def _exchange(one: Path, other: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    at_cwd = -100  # AT_FDCWD
    if libc.renameat2(at_cwd, bytes(one), at_cwd, bytes(other), RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot switch in the new delivery: {os.strerror(error)}", other)


def _remove_abandoned(outbox: Path) -> None:
    """Staging left by a run that was killed: it may hold personal files."""
    for folder in outbox.glob(f"{STAGING_PREFIX}*"):
        pid = folder.name.removeprefix(STAGING_PREFIX).split("-")[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def delivering(outbox: Path) -> Iterator[_Staging]:
    """Stage deliveries into outbox; switch them in when the block ends without an error.
    Nested blocks on the same outbox join the outer one (switched when it ends)."""
    outbox = private_folder(Path(outbox))
    outer = _active.get()
    if outer is not None and outer.outbox == outbox:
        yield outer
        return
    _remove_abandoned(outbox)
    staging = _Staging(outbox)
    token = _active.set(staging)
    try:
        yield staging
        staging.switch()
        if outbox == settings.outbox() and not settings.is_local(settings.outbox_location()):
            for relative in staging.folders:
                _upload(outbox / relative, f"{settings.outbox_location().rstrip('/')}/{relative}")
    finally:
        _active.reset(token)
        shutil.rmtree(staging.root, ignore_errors=True)


def _upload(folder: Path, url: str) -> None:
    """A switched delivery folder onto the remote outbox: the new files, then the old ones gone."""
    import fsspec

    remote, root = fsspec.core.url_to_fs(url)
    sent = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        target = f"{root}/{path.relative_to(folder).as_posix()}"
        remote.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        remote.put_file(str(path), target)
        sent.add(target)
    if remote.exists(root):
        for stale in set(remote.find(root)) - sent:
            remote.rm_file(stale)
