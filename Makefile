# The two commands a user needs: `make demo` and `make test` (README).
SHELL := /bin/bash
DEMO_LANDING ?= .state/demo-landing
KEY_FILE := .secrets/pseudonym.key
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export SODA_CORE_TELEMETRY_ENABLED := false
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False

.PHONY: setup demo test test-fast lint format benchmark benchmark-national benchmark-celery clean

setup:
	@scripts/setup.sh

$(KEY_FILE):
	@mkdir -p $(dir $@) && umask 077 && python3 -c "import secrets; print(secrets.token_hex(32))" > $@
	@echo "created a local pseudonym key in $@ (git-ignored; keep it: it keeps pseudonyms stable)"

demo: setup $(KEY_FILE)
	.venv/bin/pathways demo --landing $(DEMO_LANDING)

test: setup lint
	.venv/bin/pytest

# Minutes, not the half hour: lint, dbt parse (the conventions), and the tests that need no
# warehouse and no service (marked `unit`). Before a commit; CI runs `make test`.
test-fast: setup lint
	.venv/bin/pytest -m unit

# ruff and sqlfluff, as .pre-commit-config.yaml declares them (the same hooks run before commits).
lint: setup
	.venv/bin/pre-commit run --all-files --show-diff-on-failure

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

benchmark: setup
	.venv/bin/python benchmarks/ingest_benchmark.py
	.venv/bin/python benchmarks/roster_probe_benchmark.py
	.venv/bin/python benchmarks/warehouse_benchmark.py

# Not in CI: hours and tens of GB; resumable (.state/national), see the script's docstring.
benchmark-national: setup
	.venv/bin/python benchmarks/national_benchmark.py

# The cycle load's dbt task group on one Celery worker and on two (Redis on 127.0.0.1:6379).
benchmark-celery: setup
	scripts/redis.sh
	.venv/bin/python benchmarks/celery_benchmark.py

clean:
	rm -rf .state dbt_project/target dbt_project/logs
