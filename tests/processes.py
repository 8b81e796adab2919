"""What is running, read from /proc, so a test can see processes that escaped their parent's
session or process group (the way a service leaves them behind)."""

from __future__ import annotations

from pathlib import Path


def live_processes() -> dict[int, list[bytes]]:
    """Every live (not zombie) process's pid and arguments."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(") ", 1)[1][0]
        except OSError:
            continue
        if state != "Z":
            found[int(entry.name)] = arguments
    return found


def with_environment(setting: str) -> set[int]:
    """Live processes whose environment holds setting (NAME=value): inherited by every
    descendant, whatever its session, parent or command line."""
    marker = setting.encode()
    found = set()
    for pid in live_processes():
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environment:
            found.add(pid)
    return found


def in_sessions(leaders: set[int]) -> set[int]:
    """Live processes in the sessions these leaders started (start_new_session): found even
    when a process has renamed itself over its environment (celery's setproctitle does)."""
    found = set()
    for pid in live_processes():
        try:
            session = int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[3])
        except (OSError, ValueError, IndexError):
            continue
        if session in leaders:
            found.add(pid)
    return found
