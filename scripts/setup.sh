#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environments. Idempotent: a venv whose pinned
# requirements have not changed since it was built is left alone, so a second run takes seconds.
#   .venv           pathways CLI, ingestion, Airflow 3.3 + cosmos (dbt in process), Soda Core v4,
#                   pytest, ruff
#   .venv-dbt       dbt-core 1.11 + dbt-postgres, alone (the pipeline runs it as a subprocess)
#   .venv-superset  Superset 6.1 (its SQLAlchemy pin clashes with Airflow's)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
export PIP_DISABLE_PIP_VERSION_CHECK=1

build_venv() {  # build_venv DIR REQUIREMENTS [extra pip args...]
  local dir=$1 requirements=$2; shift 2
  local stamp="$dir/.pathways-requirements.sha256"
  local wanted
  # The package's own metadata matters only to the venv it is installed into (extra args).
  local included  # the files it includes with -r, relative to it
  included=$(sed -n 's|^-r \(.*\)|'"$(dirname "$requirements")"'/\1|p' "$requirements")
  wanted=$(cat "$requirements" $included $([ $# -gt 0 ] && echo pyproject.toml) | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "setup: $dir is up to date"
    return
  fi
  echo "setup: building $dir from $requirements"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/pip" install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  "$dir/bin/pip" install --quiet -r "$requirements" "$@" 2>&1 | grep -v "^WARNING: Location" || true
  "$dir/bin/python" -c "import sys" # the venv must at least start
  echo "$wanted" > "$stamp"
}

# Images build only what they run (PATHWAYS_VENVS="pipeline dbt"); a checkout gets all three.
VENVS=${PATHWAYS_VENVS:-pipeline dbt superset}

incomplete() { echo "setup: $1 is incomplete" >&2; rm -f "$1/.pathways-requirements.sha256"; exit 1; }

# pip's output is filtered, so each venv proves its install really landed.
if [[ " $VENVS " == *" pipeline "* ]]; then
  build_venv .venv requirements/pipeline.txt -e .
  .venv/bin/python -c "import airflow, cosmos, dbt.cli.main, soda_core, psycopg, stdnum, openpyxl, pyarrow, sqlfluff, pre_commit, pathways, pathways.quality, pathways.ingestion" \
    || incomplete .venv
fi
if [[ " $VENVS " == *" dbt "* ]]; then
  build_venv .venv-dbt requirements/dbt.txt
  .venv-dbt/bin/dbt --version >/dev/null || incomplete .venv-dbt
  .venv-dbt/bin/dbt-bouncer --version >/dev/null || incomplete .venv-dbt
  # cosmos renders the dbt DAG from the manifest, so Airflow never runs dbt while parsing DAGs.
  .venv-dbt/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --no-use-colors \
    --quiet || { echo "setup: dbt parse failed" >&2; exit 1; }
fi
if [[ " $VENVS " == *" superset "* ]]; then
  build_venv .venv-superset requirements/superset.txt
  .venv-superset/bin/python -c "import superset" || incomplete .venv-superset
  # The dashboards are tested in a real browser: Debian's Chromium and its driver.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "setup: installing Debian's chromium and chromium-driver"
      apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }
    else
      echo "setup: chromium is missing; as root: apt-get install chromium chromium-driver" >&2
    fi
  fi
fi
echo "setup: done"
