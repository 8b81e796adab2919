"""Running a local web service (Airflow, Superset) in the foreground, and stopping every
process it started, however it ends.

A service's processes do not stay in one process group: `airflow standalone` starts its
scheduler and workers in sessions of their own, and some ignore SIGTERM. So each start tags
its processes instead: a token in their environment, which every descendant inherits whatever
its session or parent. Stopping signals every process carrying the token, SIGTERM first and
SIGKILL to whatever outlives the grace period. Three things stop them:
- Ctrl-C or SIGTERM to `pathways airflow` / `pathways superset`;
- a guard process, started beside the service, that stops them when `pathways` dies even by
  SIGKILL (it waits for the end of a pipe only `pathways` holds open);
- the next start of the same service, which stops what the token file of the last one names.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

TOKEN_VARIABLE = "PATHWAYS_SERVICE_TOKEN"
GRACE_SECONDS = 20


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def tagged_processes(token: str) -> list[int]:
    """The live processes whose environment carries token (zombies have none)."""
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def stop_tagged(token: str, grace: float = GRACE_SECONDS) -> int:
    """SIGTERM every process carrying token, SIGKILL those alive after grace seconds, until
    none is left (a process may start another while it stops). Returns how many were found."""
    seen: set[int] = set()
    deadline = time.monotonic() + grace
    while pids := tagged_processes(token):
        seen.update(pids)
        late = time.monotonic() > deadline
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if late else signal.SIGTERM)
        time.sleep(0.5)
    return len(seen)


def guard(token: str) -> None:
    """Wait until the pipe from `pathways` closes (it exited or was killed), then stop the
    service's processes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole terminal group
    sys.stdin.buffer.read()
    stop_tagged(token)


def _stop_on(signum, frame):
    raise KeyboardInterrupt


def serve(
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    health_url: str,
    on_ready: Callable[[], None],
    wait_seconds: int = 180,
) -> int:
    """Start command, call on_ready once health_url answers, and run until it exits or
    Ctrl-C/SIGTERM arrives; then stop every process it started (see the module's docstring)."""
    signal.signal(signal.SIGINT, _stop_on)  # also when started in the background
    signal.signal(signal.SIGTERM, _stop_on)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    token_file = log_path.parent / "service.token"
    if token_file.exists():
        left = stop_tagged(token_file.read_text().strip())
        if left:
            print(f"stopped {left} processes left running by an earlier start")
    token = uuid.uuid4().hex
    token_file.write_text(token)
    untagged = {name: value for name, value in env.items() if name != TOKEN_VARIABLE}
    guard_process = subprocess.Popen(
        [sys.executable, "-c", f"from pathways.services import guard; guard({token!r})"],
        env=untagged, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    log = open(log_path, "ab")  # noqa: SIM115 - closed on exit below
    process = subprocess.Popen(
        command, env={**untagged, TOKEN_VARIABLE: token}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + wait_seconds
        while not answers(health_url):
            if process.poll() is not None or time.monotonic() > deadline:
                print(f"{Path(command[0]).name} did not start; see {log_path}")
                return 1
            time.sleep(2)
        on_ready()
        process.wait()
        return process.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        stop_tagged(token)
        with contextlib.suppress(subprocess.SubprocessError):
            process.wait(timeout=5)
        guard_process.stdin.close()
        guard_process.wait()
        token_file.unlink(missing_ok=True)
        log.close()
