"""With no WAREHOUSE_URL and nothing on 127.0.0.1:5432, the demo starts an embedded PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_an_embedded_postgres_starts_when_none_answers():
    # pgserver hands its data folder to an unprivileged user, so it lives under the repo's
    # .state (git-ignored), not in pytest's private tmp folders; the script deletes it after.
    state = REPO / ".state" / f"embedded-test-{uuid.uuid4().hex[:8]}"
    script = textwrap.dedent(
        f"""
        import os, subprocess
        from pathlib import Path
        import pgserver, psycopg
        from pathways import warehouse
        warehouse._local_postgres_answers = lambda *args: False
        warehouse.STATE_DIR = Path({str(state)!r})
        url = warehouse.resolve_warehouse_url()
        try:
            warehouse.ensure_database(url)
            with psycopg.connect(url) as conn:
                print("URL", url)
                print("VERSION", conn.execute("show server_version").fetchone()[0])
                print("DATABASE", conn.execute("select current_database()").fetchone()[0])
        finally:
            # The demo leaves its server running for later runs; the test stops its own. As
            # root, pgserver runs PostgreSQL as its own user, and so must pg_ctl.
            pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
            stop = f"{{pg_ctl}} -D {{warehouse.STATE_DIR / 'pgdata'}} stop -m fast"
            as_root = ["su", "pgserver", "-s", "/bin/sh", "-c"]
            command = (as_root if os.geteuid() == 0 else ["sh", "-c"]) + [stop]
            subprocess.run(command, check=True, capture_output=True)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_URL"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["URL"].startswith("postgresql://postgres:@/pathways?host=")
    assert lines["VERSION"].startswith("16.")
    assert lines["DATABASE"] == "pathways"
    still_running = subprocess.run(["pgrep", "-f", str(state)], capture_output=True, text=True)
    assert still_running.stdout.strip() == ""
    shutil.rmtree(state)
