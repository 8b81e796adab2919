"""Pathways installed from its wheel, outside the checkout, once per test session (the
`installed` fixture, a plugin of conftest): for the packaging and the Celery tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


def build_wheel(into: Path) -> Path:
    """The wheel of what git tracks (a copy: building writes build/ beside the sources), built
    offline with this venv's pinned setuptools."""
    source = into / "source"
    listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listed, cwd=CHECKOUT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (CHECKOUT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", into, source],
                   check=True, capture_output=True)  # fmt: skip
    return next(into.glob("pathways-*.whl"))


def fresh_virtualenv(folder: Path, wheel: Path) -> Path:
    """A new virtualenv with the wheel installed and nothing from the checkout. Its
    dependencies are this venv's installed ones (a path, not a re-download: the tests have no
    network), and `pip check` proves the wheel's declared requirements are met by them."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": folder, "platbase": folder}))
    (site / "pathways-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = folder / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
                   check=True, capture_output=True)  # fmt: skip
    checked = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    return folder / "bin"


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    return install_in(tmp_path_factory.mktemp("installed"))


def install_in(root: Path) -> dict:
    """The wheel, and the bin folder and package folder of a virtualenv under root it is
    installed in (the tests' fixture and the Celery benchmark)."""
    wheel = build_wheel(root)
    bin_folder = fresh_virtualenv(root / "venv", wheel)
    package = next(root.glob("venv/lib/python*/site-packages/pathways"))
    return {"root": root, "wheel": wheel, "bin": bin_folder, "package": package}


def partner_figures(url: str) -> dict[str, list[tuple]]:
    """Every row of every partner view, in a stable order."""
    import psycopg

    with psycopg.connect(url) as conn:
        views = [name for (name,) in conn.execute(
            "select table_name from information_schema.views where table_schema = 'partner'"
            " order by table_name")]  # fmt: skip
        return {view: sorted(conn.execute(f"select * from partner.{view}").fetchall(), key=repr)
                for view in views}  # fmt: skip


@pytest.fixture(scope="session")
def checkout_run(tmp_path_factory):
    """What the checkout's `pathways run` publishes from a three-school landing: the figures an
    installed package must reproduce, however it is run."""
    from conftest import TEST_KEY, new_database_url

    from pathways import warehouse
    from pathways.synthetic import generate

    root = tmp_path_factory.mktemp("checkout_run")
    landing = root / "landing"
    generate(landing, schools=3, cycles=1)
    url = new_database_url()
    env = {**os.environ, "WAREHOUSE_URL": url, "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode(),
           "PATHWAYS_OUTBOX": str(root / "outbox")}  # fmt: skip
    command = [CHECKOUT / ".venv" / "bin" / "pathways", "run", "--landing", landing]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        figures = partner_figures(url)
    finally:
        warehouse.drop_database(url)
    assert figures["cycle_summary"], "the checkout published nothing"
    return {"landing": landing, "figures": figures}
