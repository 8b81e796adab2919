"""Local services stop with every process they started: on SIGTERM, and when `pathways` itself
is killed. The service here misbehaves the way `airflow standalone` does: its parent exits at
once on SIGTERM, leaving a worker in a session of its own that ignores SIGTERM and wipes the
environment /proc shows (as setproctitle does)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from processes import live_processes

MARKER = "pathways-test-hostile-service"
HOSTILE_SERVICE = f"""
import http.server, os, signal, subprocess, sys
subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)",
    "{MARKER}-worker"], start_new_session=True, env={{}})
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler
    ).serve_forever()
"""
RUNNER = """
import os, sys
from pathlib import Path
from pathways.serve import services
port, state = sys.argv[1], Path(sys.argv[2])
sys.exit(services.serve(
    [sys.executable, "-c", {script!r}, port, "{marker}-parent"], dict(os.environ),
    state / "service.log",
    f"http://127.0.0.1:{{port}}/", lambda: print("ready", flush=True), wait_seconds=30))
"""


def processes_named(marker: str) -> list[int]:
    """Live processes with an argument starting with marker: found without the service's own
    bookkeeping, so a process that escaped it still shows."""
    prefix = marker.encode()
    return [
        pid
        for pid, arguments in live_processes().items()
        if any(argument.startswith(prefix) for argument in arguments)
    ]


def wait_until_none(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := processes_named(marker)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def started_service(tmp_path):
    script = RUNNER.format(script=HOSTILE_SERVICE, marker=MARKER)
    runner = subprocess.Popen(
        [sys.executable, "-c", script, str(free_port()), str(tmp_path)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert runner.stdout.readline().strip() == "ready"
        # The detector sees the service's processes while they run (so it can fail below).
        assert len(processes_named(MARKER)) == 2
        yield runner
    finally:
        runner.kill()
        for pid in processes_named(MARKER):  # never leave a stray behind, whatever happened
            subprocess.run(["kill", "-9", str(pid)], check=False)


def test_stopping_the_command_stops_every_process_it_started(started_service):
    """SIGTERM, as a service manager sends (Ctrl-C takes the same path)."""
    started_service.send_signal(signal.SIGTERM)
    assert started_service.wait(timeout=60) == 0
    assert processes_named(MARKER) == []


def test_killing_the_command_stops_its_processes_too(started_service):
    """SIGKILL leaves `pathways` no chance to clean up: its guard process does it."""
    started_service.kill()
    assert wait_until_none(MARKER, seconds=60) == []


def test_the_next_start_stops_what_an_earlier_one_left(tmp_path):
    """Leftovers the guard could not stop (it was killed too) are stopped by the next start,
    from the token file the earlier start wrote."""
    from pathways.serve import services

    token = "leftover-from-an-earlier-start"
    (tmp_path / "service.token").write_text(token)
    leftover = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)", f"{MARKER}-leftover"],
        env={services.TOKEN_VARIABLE: token}, start_new_session=True,
    )  # fmt: skip
    try:
        # /proc may show the new process's arguments a moment after Popen returns.
        deadline = time.monotonic() + 10
        while not processes_named(MARKER) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(processes_named(MARKER)) == 1
        failed = services.serve(
            [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ),
            tmp_path / "service.log", f"http://127.0.0.1:{free_port()}/", lambda: None,
            wait_seconds=5,
        )  # fmt: skip
        assert failed == 1  # the service itself did not start, but the leftover is gone
        assert leftover.wait(timeout=30) == -signal.SIGTERM
    finally:
        leftover.kill()
