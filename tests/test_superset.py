"""Superset dashboards as code: imported into a fresh Superset, queried through its API, opened in
a real headless Chromium, and exported and re-imported unchanged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import psycopg
import pytest
import yaml
from conftest import scratch_warehouse

from pathways import pipeline, resources, warehouse
from pathways.publish import access
from pathways.serve import services, superset_local
from pathways.serve.dashboard_browser import check_dashboards
from pathways.synthetic import generate

PORT = 8098
BASE = f"http://127.0.0.1:{PORT}"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts" / "dashboards"
PARTNER_SLUGS = {"regional-overview", "knowledge-areas", "sector-interest", "post16-plans",
                 "destinations"}  # fmt: skip
ALL_SLUGS = PARTNER_SLUGS | {"interventions", "school-drill-down", "destinations-detail",
                             "data-quality"}  # fmt: skip


@pytest.fixture(scope="module")
def superset(tmp_path_factory):
    """A warehouse built by the pipeline and a fresh Superset with the bundle imported."""
    with scratch_warehouse() as url:
        yield from _served_superset(url, tmp_path_factory)


def _served_superset(url: str, tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, defects=True)  # the demo cohort
    assert pipeline.run(landing, url=url, deliver=False).ok
    home = tmp_path_factory.mktemp("superset")
    env = superset_local.initialise(url, home)
    server = subprocess.Popen(
        [str(superset_local.SUPERSET_VENV / "superset"), "run", "-h", "127.0.0.1", "-p",
         str(PORT), "--with-threads"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(90):
            if services.answers(f"{BASE}/health"):
                break
            assert server.poll() is None, "superset run exited"
            import time

            time.sleep(1)
        yield {"url": url, "home": home, "env": env}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def api(method: str, path: str, token: str | None = None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        BASE + path, method=method, headers=headers,
        data=json.dumps(body).encode() if body is not None else None,
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def login(username: str, password: str) -> str:
    credentials = {"username": username, "password": password, "provider": "db"}
    status, body = api("POST", "/api/v1/security/login", body=credentials)
    assert status == 200, body
    return json.loads(body)["access_token"]


def listing(token: str, kind: str) -> list[dict]:
    status, body = api("GET", f"/api/v1/{kind}/?q=(page_size:100)", token)
    assert status == 200, body
    return json.loads(body)["result"]


def test_supersets_metadata_and_secrets_are_its_users_alone(superset):
    """Issue 27: superset.db (logins, the warehouse connections) was 0644."""
    home = superset["home"]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in home.rglob("*") if p.is_file()}
    assert {"superset.db", "secret_key", "admin_password"} <= set(modes), modes
    assert set(modes.values()) == {0o600} and stat.S_IMODE(home.stat().st_mode) == 0o700


def test_every_chart_returns_rows_through_the_api(superset):
    token = login("admin", superset_local.admin_password(superset["home"]))
    assert {d["slug"] for d in listing(token, "dashboard")} == ALL_SLUGS
    charts = listing(token, "chart")
    assert len(charts) == len(list(superset_local.EXPORTS.glob("charts/*.yaml")))
    empty = []
    for chart in charts:
        status, body = api("GET", f"/api/v1/chart/{chart['id']}/data/", token)
        assert status == 200, (chart["slice_name"], body[:500])
        if sum(result["rowcount"] for result in json.loads(body)["result"]) == 0:
            empty.append(chart["slice_name"])
    assert empty == []
    databases = {d["database_name"]: d["id"] for d in listing(token, "database")}
    for name, role in [("Pathways partner views", "pathways_partner"),
                       ("Pathways warehouse", "pathways_analyst")]:  # fmt: skip
        status, body = api("GET", f"/api/v1/database/{databases[name]}/connection", token)
        assert status == 200 and f"//{role}@" in json.loads(body)["result"]["sqlalchemy_uri"]


def test_the_partner_role_sees_only_partner_dashboards_and_data(superset):
    subprocess.run(
        [str(superset_local.SUPERSET_VENV / "superset"), "fab", "create-user", "--role",
         superset_local.PARTNER_ROLE, "--username", "college", "--firstname", "A",
         "--lastname", "College", "--email", "college@example.invalid", "--password", "pw-college"],
        env=superset["env"], check=True, capture_output=True,
    )  # fmt: skip
    token = login("college", "pw-college")
    assert {d["slug"] for d in listing(token, "dashboard")} == PARTNER_SLUGS
    # ...as does the partner login `pathways superset` prints.
    printed = login(superset_local.PARTNER_USER, superset_local.partner_password(superset["home"]))
    assert {d["slug"] for d in listing(printed, "dashboard")} == PARTNER_SLUGS
    datasets = {(d["schema"], d["table_name"]) for d in listing(token, "dataset")}
    assert {schema for schema, _ in datasets} == {"partner"}
    assert len(datasets) == 7  # the six views and the top-six SQL dataset
    admin = login("admin", superset_local.admin_password(superset["home"]))
    for chart in listing(admin, "chart"):
        status, _ = api("GET", f"/api/v1/chart/{chart['id']}/data/", token)
        partner_chart = chart["id"] in {c["id"] for c in listing(token, "chart")}
        assert (status == 200) == partner_chart, chart["slice_name"]


# One area of each kind, a name inside it the charts must still show, and one they must not: an
# LEP area's filter drops the other area's authorities, an authority's its neighbours, a school's
# the other schools of its authority.
AREA_FILTERS = [
    ("LEP area", "Tees Valley", "Darlington", "Gateshead"),
    ("Local authority", "Darlington", "Darlington", "Hartlepool"),
    ("School", "Darlington High School 28", "Darlington High School 28",
     "Darlington Community College 27"),
]  # fmt: skip


def _native_filters(slug: str) -> dict[str, tuple[str, str]]:
    config = yaml.safe_load((superset_local.EXPORTS / "dashboards" / f"{slug}.yaml").read_text())
    return {
        native["name"]: (native["id"], native["targets"][0]["column"]["name"])
        for native in config["metadata"]["native_filter_configuration"]
    }


def _out_of_scope(slug: str) -> dict[str, set[str]]:
    """Each chart's title -> the names of the dashboard's filters whose scope leaves it out."""
    config = yaml.safe_load((superset_local.EXPORTS / "dashboards" / f"{slug}.yaml").read_text())
    titles = {item["meta"]["chartId"]: item["meta"]["sliceName"]
              for item in config["position"].values()
              if isinstance(item, dict) and item.get("type") == "CHART"}  # fmt: skip
    out = {title: set() for title in titles.values()}
    for native in config["metadata"]["native_filter_configuration"]:
        for chart_id in native["scope"]["excluded"]:
            out[titles[chart_id]].add(native["name"])
    return out


# Each level of area is chosen by one reader at least, each view costing the suite seconds: the
# admin narrows from the LEP area to a school (the drill-down's cascade), the partner chooses an
# authority.
STEPS_BY_READER = {"admin": ("LEP area", "School"), "partner": ("Local authority",)}

# Filters a dashboard applies before anyone chooses one: the drill-down opens on the first school.
APPLIED_ON_OPENING = {"school-drill-down": ("School",)}


@pytest.mark.parametrize("reader", ["admin", "partner"])
def test_area_filters_chosen_in_the_filter_bar_reach_every_chart_in_their_scope(superset, reader):
    """Issue 29: every dashboard the reader sees, in headless Chromium, with areas chosen one
    after another in the filter bar (STEPS_BY_READER) and applied with its button: no chart
    shows an error; every chart in a filter's scope has it applied (Superset
    counts it on the chart's header; a chart whose dataset lacks the column does not), and
    shows nothing the filter excludes."""
    assert shutil.which("chromium") and shutil.which("chromedriver"), "run make setup"
    home = superset["home"]
    if reader == "admin":
        login_as, password, slugs = "admin", superset_local.admin_password(home), ALL_SLUGS
    else:
        login_as, password = superset_local.PARTNER_USER, superset_local.partner_password(home)
        slugs = PARTNER_SLUGS
    steps = [(name, value) for name, value, *_ in AREA_FILTERS if name in STEPS_BY_READER[reader]]
    filters = {slug: steps for slug in slugs - {"data-quality"}}
    reports = check_dashboards(BASE, login_as, password, sorted(slugs), ARTEFACTS / reader,
                               filters=filters)  # fmt: skip
    assert len(reports) == len(slugs) + len(steps) * len(filters)
    expected = {name: (insider, outsider) for name, _, insider, outsider in AREA_FILTERS}
    for report in reports:
        view = (reader, report.slug, report.filtered_by)
        print(f"{view}: {report.charts} charts, {report.seconds:.1f}s")
        assert report.charts >= 3 and report.errors == [], (view, report.errors)
        assert report.screenshot.stat().st_size > 20_000
        out_of_scope = _out_of_scope(report.slug)
        chosen = set(APPLIED_ON_OPENING.get(report.slug, ())) | set(report.filtered_by)
        for title, applied in report.applied.items():
            assert applied == len(chosen - out_of_scope[title]), (view, title, applied)
        if report.filtered_by:
            last = report.filtered_by[-1]
            insider, outsider = expected[last]
            in_scope = [text for title, text in report.texts.items()
                        if last not in out_of_scope[title]]  # fmt: skip
            assert not any(outsider in text for text in in_scope), view
            if report.slug not in ("interventions", "destinations-detail"):  # names drawn only
                # on canvas axes, not in the page's text
                assert insider in report.text, view


SET_CHART_METRICS = """
import json, sys
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db
    from superset.models.slice import Slice
    chart = db.session.query(Slice).filter_by(slice_name=sys.argv[1]).one()
    params = json.loads(chart.params)
    print(json.dumps(params["metrics"]))
    params["metrics"] = json.loads(sys.argv[2])
    chart.params = json.dumps(params)
    db.session.commit()
"""


def _set_chart_metrics(superset, chart: str, metrics: list) -> list:
    """Change a chart's metrics in Superset's metadata, as an analyst's edit would; returns the
    metrics it had."""
    finished = subprocess.run(
        [str(superset_local.SUPERSET_VENV / "python"), "-c", SET_CHART_METRICS, chart,
         json.dumps(metrics)],
        env=superset["env"], check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_the_browser_check_catches_a_broken_chart(superset):
    """Negative control: a chart whose metric no longer exists is reported, not passed."""
    chart = "Mean knowledge by area (1-5)"
    bad = {"expressionType": "SQL", "sqlExpression": "MAX(no_such_column)", "label": "broken"}
    kept = _set_chart_metrics(superset, chart, [bad])
    try:
        (report,) = check_dashboards(
            BASE, "admin", superset_local.admin_password(superset["home"]),
            ["regional-overview"], ARTEFACTS / "negative-control",
        )  # fmt: skip
    finally:
        _set_chart_metrics(superset, chart, kept)
    assert len(report.errors) == 1 and "no_such_column" in report.errors[0], report.errors


SET_FILTER_SCOPE = """
import json, sys
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice
    dashboard = db.session.query(Dashboard).filter_by(slug=sys.argv[1]).one()
    chart = db.session.query(Slice).filter_by(slice_name=sys.argv[3]).one()
    metadata = json.loads(dashboard.json_metadata)
    (native,) = [n for n in metadata["native_filter_configuration"] if n["name"] == sys.argv[2]]
    excluded = set(native["scope"]["excluded"])
    excluded = excluded | {chart.id} if sys.argv[4] == "out" else excluded - {chart.id}
    native["scope"]["excluded"] = sorted(excluded)
    if native.get("chartsInScope"):
        scoped = set(native["chartsInScope"])
        native["chartsInScope"] = sorted(scoped - {chart.id} if sys.argv[4] == "out"
                                         else scoped | {chart.id})
    dashboard.json_metadata = json.dumps(metadata)
    db.session.commit()
"""


def _scope(superset, slug: str, filter_name: str, chart: str, inside: bool) -> None:
    """Put a chart in (or out of) a filter's scope in Superset's metadata, as an edit would."""
    subprocess.run(
        [str(superset_local.SUPERSET_VENV / "python"), "-c", SET_FILTER_SCOPE, slug,
         filter_name, chart, "in" if inside else "out"],
        env=superset["env"], check=True, capture_output=True, text=True,
    )  # fmt: skip


def test_the_browser_check_catches_a_chart_that_ignores_a_filter(superset, tmp_path):
    """Negative control: the issue's defect planted: an intervention chart, whose dataset has no
    area, put in the LEP-area filter's scope. Superset leaves it unfiltered and its header
    counts no filter applied: what the filter-bar test compares with the scope."""
    chart = "Students attending each kind of intervention (all programme schools)"
    _scope(superset, "interventions", "LEP area", chart, inside=True)
    try:
        *_, report = check_dashboards(
            BASE, "admin", superset_local.admin_password(superset["home"]), ["interventions"],
            tmp_path, filters={"interventions": [("LEP area", "Tees Valley")]},
        )  # fmt: skip
    finally:
        _scope(superset, "interventions", "LEP area", chart, inside=False)
    assert report.applied[chart] == 0  # in scope now, so the test above expects 1
    assert report.applied["Knowledge change by interventions attended"] == 1


def _code_lists() -> set[str]:
    """Every code of the project's code lists (its dbt seeds), and the area codes."""
    import csv

    codes = set()
    for seed in (resources.dbt_project() / "seeds").glob("*.csv"):
        with seed.open() as rows:
            for row in csv.DictReader(rows):
                codes.update(row.get(key) for key in ("code", "la_code") if row.get(key))
    return codes


def test_no_chart_shows_a_code_and_shares_are_percentages(superset):
    """Through the API: the values of every chart's dimensions (legend, axis, table column) are
    labels, never a code of the code lists nor empty; every share metric is formatted as a
    percentage."""
    codes = _code_lists()
    assert {"north_east", "840", "apprenticeship", "digital", "F", "K"} <= codes  # the control
    token = login("admin", superset_local.admin_password(superset["home"]))
    shown_codes, unlabelled = {}, set()
    for chart in listing(token, "chart"):
        status, body = api("GET", f"/api/v1/chart/{chart['id']}", token)
        params = json.loads(json.loads(body)["result"]["params"])
        dimensions = [params.get("x_axis"), *(params.get("groupby") or []),
                      *(params.get("all_columns") or [])]  # fmt: skip
        if isinstance(params.get("groupby"), str):  # the heatmap's one row dimension
            dimensions = [params.get("x_axis"), params["groupby"]]
        groups = [d for d in dimensions if d and d not in (params.get("all_columns") or [])]
        status, body = api("GET", f"/api/v1/chart/{chart['id']}/data/", token)
        for result in json.loads(body)["result"]:
            for row in result["data"]:
                # Issue 29: a group with no label (a bar, a line, a table row named by nothing)
                if any(d in row and row[d] in (None, "") for d in groups):
                    unlabelled.add(chart["slice_name"])
                found = {
                    str(row[d])
                    for d in dimensions  # a figure (a count, `c`) is no code, even if it is 390
                    if isinstance(row.get(d), str) and not d.endswith("_shown") and row[d] in codes
                }
                if found:
                    shown_codes.setdefault(chart["slice_name"], set()).update(found)
        chosen = params.get("metrics") or ([params["metric"]] if params.get("metric") else [])
        metrics = [m if isinstance(m, str) else m.get("label") for m in chosen]
        if any(str(m).startswith("pct") for m in metrics):
            assert "%" in params.get("y_axis_format", "%"), chart["slice_name"]
    assert shown_codes == {} and unlabelled == set()
    for path in superset_local.EXPORTS.glob("datasets/*/*.yaml"):
        for metric in yaml.safe_load(path.read_text())["metrics"]:
            if metric["metric_name"].startswith("pct"):
                assert metric["d3format"].endswith("%"), (path.name, metric["metric_name"])


def _objects(archive: Path) -> dict[str, dict]:
    """uuid -> the parts of each exported object that define it (not ids or timestamps)."""
    objects = {}
    with zipfile.ZipFile(archive) as bundle:
        for name in bundle.namelist():
            if not name.endswith(".yaml") or name.endswith("metadata.yaml"):
                continue
            config = yaml.safe_load(bundle.read(name))
            config.pop("sqlalchemy_uri", None)
            if isinstance(config.get("params"), dict):  # a chart: its dataset's id is local
                config["params"].pop("datasource", None)
                config.pop("query_context", None)
            if "position" in config:  # a dashboard: chart and dataset ids are local
                for item in config["position"].values():
                    if isinstance(item, dict):
                        item.get("meta", {}).pop("chartId", None)
                for native in config["metadata"].get("native_filter_configuration", []):
                    native.pop("scope", None)
                    for target in native["targets"]:
                        target.pop("datasetId", None)
            objects[config["uuid"]] = config
    return objects


def test_export_and_reimport_yield_the_same_objects(superset, tmp_path):
    superset_bin = str(superset_local.SUPERSET_VENV / "superset")
    first = tmp_path / "first.zip"
    subprocess.run([superset_bin, "export-dashboards", "-f", str(first)], env=superset["env"],
                   check=True, capture_output=True)  # fmt: skip
    exported = _objects(first)
    source = {
        yaml.safe_load(path.read_text())["uuid"]
        for path in superset_local.EXPORTS.rglob("*.yaml")
        if path.name != "metadata.yaml"
    }
    assert set(exported) == source

    fresh = superset_local.environment(tmp_path / "fresh")
    for command in (["db", "upgrade"], ["init"]):
        subprocess.run([superset_bin, *command], env=fresh, check=True, capture_output=True)
    subprocess.run([superset_bin, "fab", "create-admin", "--username", "admin", "--firstname",
                    "A", "--lastname", "B", "--email", "a@b.invalid", "--password", "pw"],
                   env=fresh, check=True, capture_output=True)  # fmt: skip
    subprocess.run([superset_bin, "import-dashboards", "-p", str(first), "-u", "admin"],
                   env=fresh, check=True, capture_output=True)  # fmt: skip
    second = tmp_path / "second.zip"
    subprocess.run([superset_bin, "export-dashboards", "-f", str(second)], env=fresh,
                   check=True, capture_output=True)  # fmt: skip
    assert _objects(second) == exported


def test_initialising_again_points_at_the_new_warehouse_and_keeps_the_login(superset):
    """`pathways superset` with another WAREHOUSE_URL (or after the demo database is gone):
    every chart answers from the new warehouse, and the printed admin password is the admin's.
    Runs last: it drops the module's first warehouse to prove nothing still reads it."""
    first = superset["url"]
    second = f"{first}_second"
    with psycopg.connect(first.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(  # a template must have no sessions: Superset's are closed
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            (warehouse.database_name(first),),
        )
        admin.execute(
            f"create database {warehouse.database_name(second)} "
            f"template {warehouse.database_name(first)}"
        )
    try:
        access.apply(second)  # a database's own grants are not copied from its template
        (superset["home"] / "admin_password").write_text("a-new-password-for-this-test")
        env = superset_local.initialise(second, superset["home"])
        pointed = superset_local.point_connections(env, second)
        assert f"pathways_partner@127.0.0.1:5432/{warehouse.database_name(second)}" in pointed
        assert f"pathways_analyst@127.0.0.1:5432/{warehouse.database_name(second)}" in pointed
        warehouse.drop_database(first)  # the first warehouse is gone
        token = login("admin", "a-new-password-for-this-test")
        for chart in listing(token, "chart"):
            status, body = api("GET", f"/api/v1/chart/{chart['id']}/data/", token)
            assert status == 200, (chart["slice_name"], body[:300])
            assert sum(result["rowcount"] for result in json.loads(body)["result"]) > 0
    finally:
        warehouse.drop_database(second)
