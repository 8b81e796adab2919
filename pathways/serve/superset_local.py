"""Superset for the warehouse: SQLite metadata in .state/superset, the dashboards imported from
superset_exports/ (database logins injected from the environment at zip time), a Partner role,
and the web server on port 8088. Superset runs from its own venv, so it is driven by commands.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import zipfile
from pathlib import Path

from pathways import resources, settings
from pathways.publish import access
from pathways.serve import services
from pathways.settings import STATE_DIR

SUPERSET_HOME = STATE_DIR / "superset"
SUPERSET_VENV = settings.venv_bin(".venv-superset")
EXPORTS = resources.superset_exports()
BUNDLE_FOLDER = "pathways_dashboards"
# databases/*.yaml hold these placeholders instead of a URI: the logins come from WAREHOUSE_URL
# and the environment when the bundle is zipped, so no password is ever in git.
URI_PLACEHOLDERS = {
    "${PATHWAYS_SUPERSET_PARTNER_URI}": "pathways_partner",
    "${PATHWAYS_SUPERSET_ANALYST_URI}": "pathways_analyst",
}
PARTNER_ROLE = "Partner"
PARTNER_DATABASE = "Pathways partner views"

CONFIG = """\
# Written by pathways/serve/superset_local.py; secrets come from the environment or .state.
import os
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///{db}"
SCARF_ANALYTICS = False
WTF_CSRF_ENABLED = True
TALISMAN_ENABLED = False
# Tiles and "latest cycle" charts filter with a subquery (`cycle = (select max(cycle) ...)`);
# Jinja templating stays off (partners can write custom SQL in Explore).
FEATURE_FLAGS = {{"DASHBOARD_NATIVE_FILTERS": True, "ALLOW_ADHOC_SUBQUERY": True}}
"""

# `superset import-dashboards` overwrites dashboards but keeps any dataset or chart it already
# has, so a changed chart would never reach a Superset that imported an earlier release: import
# datasets, then charts, then dashboards, each overwriting its own kind.
IMPORT_SCRIPT = """
import sys, zipfile, yaml
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import security_manager
    from superset.commands.chart.importers.v1 import ImportChartsCommand
    from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
    from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle
    from superset.utils.core import override_user
    with zipfile.ZipFile(sys.argv[1]) as bundle:
        contents = get_contents_from_bundle(bundle)
    metadata = yaml.safe_load(contents["metadata.yaml"])
    with override_user(security_manager.find_user(username="admin")):
        for command, kind in ((ImportDatasetsCommand, "SqlaTable"),
                              (ImportChartsCommand, "Slice"),
                              (ImportDashboardsCommand, "Dashboard")):
            typed = {**contents, "metadata.yaml": yaml.safe_dump({**metadata, "type": kind})}
            command(typed, overwrite=True).run()
    print("imported", sum(name.startswith("charts/") for name in contents), "charts")
"""

# Run inside Superset's app context: a Partner role = Gamma's permissions + the partner
# database and its datasets, nothing else, so it sees only the dashboards built on them.
PARTNER_ROLE_SCRIPT = """
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db, security_manager as sm
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    role = sm.add_role({role!r})
    gamma = sm.find_role("Gamma")
    role.permissions = list(gamma.permissions)
    database = db.session.query(Database).filter_by(database_name={database!r}).one()
    pv = sm.add_permission_view_menu("database_access", database.perm)
    role.permissions.append(pv)
    for table in db.session.query(SqlaTable).filter_by(database_id=database.id):
        role.permissions.append(sm.add_permission_view_menu("datasource_access", table.perm))
    db.session.commit()
    granted = [p for p in role.permissions if p.permission.name == "datasource_access"]
    print("partner datasets:", len(granted))
"""


# An import keeps a database's existing connection: point each one at this warehouse again,
# so Superset never queries the warehouse of an earlier import (or one that is gone).
CONNECTIONS_SCRIPT = """
import json, sys
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db
    from superset.models.core import Database
    for name, uri in json.load(sys.stdin).items():
        database = db.session.query(Database).filter_by(database_name=name).one()
        database.set_sqlalchemy_uri(uri)
    db.session.commit()
    for database in db.session.query(Database).order_by(Database.database_name):
        print(database.database_name, "->", database.sqlalchemy_uri)
"""
DATABASE_ROLES = {PARTNER_DATABASE: "pathways_partner", "Pathways warehouse": "pathways_analyst"}


def _secret(name: str, home: Path) -> str:
    """From the environment, else generated once and kept in .state (git-ignored)."""
    variable = f"SUPERSET_{name.upper()}"
    if os.environ.get(variable):
        return os.environ[variable]
    path = home / name
    if not path.exists():
        settings.private_folder(home)
        settings.write_private(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def environment(home: Path = SUPERSET_HOME) -> dict[str, str]:
    settings.private_folder(home)  # its metadata database holds logins and connections
    config = home / "superset_config.py"
    config.write_text(CONFIG.format(db=home / "superset.db"))
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(config),
        "SUPERSET_SECRET_KEY": _secret("secret_key", home),
        "FLASK_APP": "superset",
        "PATH": f"{SUPERSET_VENV}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def admin_password(home: Path = SUPERSET_HOME) -> str:
    return _secret("admin_password", home)


PARTNER_USER = "partner"


def partner_password(home: Path = SUPERSET_HOME) -> str:
    return _secret("partner_password", home)


def _user(env: dict, username: str, password: str, role: str | None = None) -> None:
    """Create the user (an admin if no role), or set its password again if it exists, so the
    login printed is always one that works."""
    names = ["--username", username, "--firstname", "Pathways", "--lastname", username.title(),
             "--email", f"{username}@pathways.invalid", "--password", password]  # fmt: skip
    command = ["fab", "create-user", "--role", role, *names] if role else ["fab", "create-admin",
                                                                          *names]  # fmt: skip
    created = _superset(env, *command, allowed="already exists")
    if "already exists" in created:
        _superset(env, "fab", "reset-password", "--username", username, "--password", password)


def _superset(env: dict, *args: str, allowed: str | None = None) -> str:
    finished = subprocess.run(
        [str(SUPERSET_VENV / "superset"), *args], env=env, capture_output=True, text=True
    )
    if finished.returncode != 0 and not (allowed and allowed in finished.stdout + finished.stderr):
        raise RuntimeError(f"superset {args[0]} failed:\n{finished.stdout}\n{finished.stderr}")
    return finished.stdout + finished.stderr


def bundle(warehouse_url: str, into: Path) -> Path:
    """Zip superset_exports/ under one top-level folder, with the database logins filled in."""
    into.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(into, "w") as archive:
        for path in sorted(EXPORTS.rglob("*.yaml")):
            text = path.read_text()
            for placeholder, role in URI_PLACEHOLDERS.items():
                text = text.replace(placeholder, access.role_url(warehouse_url, role))
            archive.writestr(f"{BUNDLE_FOLDER}/{path.relative_to(EXPORTS)}", text)
    return into


def import_dashboards(env: dict, warehouse_url: str, workdir: Path) -> None:
    """Import the bundle (logins filled in) and give the Partner role its datasets."""
    archive = bundle(warehouse_url, workdir / "pathways_dashboards.zip")
    try:
        subprocess.run([str(SUPERSET_VENV / "python"), "-c", IMPORT_SCRIPT, str(archive)],
                       env=env, check=True, capture_output=True)  # fmt: skip
    finally:
        archive.unlink()  # it holds the database logins
    script = PARTNER_ROLE_SCRIPT.format(role=PARTNER_ROLE, database=PARTNER_DATABASE)
    subprocess.run([str(SUPERSET_VENV / "python"), "-c", script], env=env, check=True,
                   capture_output=True)  # fmt: skip
    point_connections(env, warehouse_url)


def point_connections(env: dict, warehouse_url: str) -> str:
    """Every Pathways database connection on this warehouse, as its role; returns what each
    points at now (passwords masked by Superset)."""
    uris = {name: access.role_url(warehouse_url, role) for name, role in DATABASE_ROLES.items()}
    finished = subprocess.run(
        [str(SUPERSET_VENV / "python"), "-c", CONNECTIONS_SCRIPT], env=env, check=True,
        capture_output=True, text=True, input=json.dumps(uris),
    )  # fmt: skip
    return finished.stdout


def initialise(warehouse_url: str, home: Path = SUPERSET_HOME) -> dict[str, str]:
    """db upgrade, admin user, init, import the dashboards, the Partner role. Idempotent."""
    env = environment(home)
    _superset(env, "db", "upgrade")
    _user(env, "admin", admin_password(home))
    _superset(env, "init")
    import_dashboards(env, warehouse_url, home)
    _user(env, PARTNER_USER, partner_password(home), role=PARTNER_ROLE)  # sees what partners see
    settings.private_files(home)  # superset.db was made 0644 by SQLite (issue 27)
    return env


def serve(warehouse_url: str, port: int = 8088, home: Path = SUPERSET_HOME) -> int:
    env = initialise(warehouse_url, home)

    def ready() -> None:
        print(f"Superset is up: http://127.0.0.1:{port}")
        print(f"login: admin / {admin_password(home)}")
        print(f"what partners see: {PARTNER_USER} / {partner_password(home)}")
        print("Dashboards: Regional overview, Knowledge areas, Where people want to work, "
              "Post-16 plans, Destinations, Interventions, School drill-down, "
              "Destinations in detail, Data quality")  # fmt: skip
        print("Ctrl-C stops Superset.")

    command = [str(SUPERSET_VENV / "superset"), "run", "-h", settings.bind_host(), "-p", str(port),
               "--with-threads"]  # fmt: skip
    return services.serve(
        command, env, home / "superset.log", f"http://127.0.0.1:{port}/health", ready
    )


if __name__ == "__main__":
    # docker-compose's Superset (its own metadata database and config) imports the dashboards
    # with this, after `superset init`.
    import_dashboards(dict(os.environ), os.environ["WAREHOUSE_URL"], Path("/tmp"))
