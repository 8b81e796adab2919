"""Running a local web service (Airflow, Superset) in the foreground, stopped with all its
processes on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


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
    """Start command in its own process group, call on_ready once health_url answers, and
    stop the whole group on Ctrl-C or SIGTERM (as a service manager would send)."""
    signal.signal(signal.SIGINT, _stop_on)  # also when started in the background
    signal.signal(signal.SIGTERM, _stop_on)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - closed on exit below
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
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
        # SIGTERM to the parent alone leaves its workers running.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
