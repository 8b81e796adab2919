"""Running a local web service (Airflow, Superset, the dbt docs) in the foreground, and stopping
every process it started, however it ends.

A service's processes do not stay in one process group or even keep their command line and
environment: `airflow standalone` starts its components in sessions of their own, some ignore
SIGTERM, and they rename themselves (setproctitle), which also wipes the environment that
/proc shows. So the service runs under a supervisor process that is a Linux *child subreaper*:
every process the service starts stays its descendant, even when its own parent exits. The
supervisor stops them all — SIGTERM, then SIGKILL to whatever outlives the grace period — when:
- Ctrl-C or SIGTERM reaches `pathways airflow` / `pathways superset` / `pathways docs`, which
  then close the pipe to the supervisor;
- `pathways` dies, even by SIGKILL: the pipe closes all the same;
- the service exits on its own.
As a further net, the processes carry a token in their environment and the next start of the
same service stops any process still carrying the last start's token.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

TOKEN_VARIABLE = "PATHWAYS_SERVICE_TOKEN"
GRACE_SECONDS = 20
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _parents() -> dict[int, int]:
    """Every live process's parent (zombies left out)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, queue = [], list(children.get(root, []))
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue += children.get(pid, [])
    return found


def tagged_processes(token: str) -> list[int]:
    """Live processes whose environment (as /proc shows it) carries token."""
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    for pid in _parents():
        if pid == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.append(pid)
    return found


def _stop(find: Callable[[], list[int]], grace: float, reap: bool = False) -> int:
    """SIGTERM what find() lists, SIGKILL what is still there after grace seconds, until it
    lists nothing (a process may start another while it stops). reap: also collect the exit of
    any child (the orphans handed to a subreaper). Returns how many it found."""
    seen: set[int] = set()
    deadline = time.monotonic() + grace
    while pids := find():
        seen.update(pids)
        late = time.monotonic() > deadline
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if late else signal.SIGTERM)
        time.sleep(0.5)
        with contextlib.suppress(ChildProcessError):
            while reap and os.waitpid(-1, os.WNOHANG)[0]:
                pass
    return len(seen)


def stop_tagged(token: str, grace: float = GRACE_SECONDS) -> int:
    return _stop(lambda: tagged_processes(token), grace)


def supervise() -> None:
    """The supervisor (run by serve in its own process): read the command and log path from
    the first line of stdin, run the command as a child subreaper, and when stdin closes or the
    command exits, stop every descendant. Exits with the command's exit code."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole terminal group
    closed = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: closed.set())
    order = json.loads(sys.stdin.readline())
    # The service's log is its user's alone: it may hold what a service prints of its secrets.
    descriptor = os.open(order["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.chmod(order["log"], 0o600)
    with os.fdopen(descriptor, "ab") as log:
        service = subprocess.Popen(order["command"], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)  # fmt: skip

        def wait_for_close() -> None:
            sys.stdin.read()
            closed.set()

        threading.Thread(target=wait_for_close, daemon=True).start()
        while not closed.is_set() and service.poll() is None:
            closed.wait(0.5)
        _stop(lambda: descendants(os.getpid()), GRACE_SECONDS, reap=True)
    sys.exit(service.wait() or 0)


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
    """Start command under a supervisor, call on_ready once health_url answers, and run until it
    exits or Ctrl-C/SIGTERM arrives; then every process it started is stopped (module doc)."""
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
    supervisor = subprocess.Popen(
        [sys.executable, "-c", "from pathways.serve.services import supervise; supervise()"],
        env={**env, TOKEN_VARIABLE: token}, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        start_new_session=True, text=True,
    )  # fmt: skip
    supervisor.stdin.write(json.dumps({"command": command, "log": str(log_path)}) + "\n")
    supervisor.stdin.flush()
    try:
        deadline = time.monotonic() + wait_seconds
        while not answers(health_url):
            if supervisor.poll() is not None or time.monotonic() > deadline:
                print(f"{Path(command[0]).name} did not start; see {log_path}")
                return 1
            time.sleep(2)
        on_ready()
        return supervisor.wait() or 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        with contextlib.suppress(OSError):
            supervisor.stdin.close()  # the supervisor stops the service and all it started
        try:
            supervisor.wait(timeout=GRACE_SECONDS + 30)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        stop_tagged(token)  # anything that escaped the supervisor but kept its environment
        token_file.unlink(missing_ok=True)
