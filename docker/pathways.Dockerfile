# The pipeline image: Airflow 3 + cosmos + Soda in .venv, dbt in .venv-dbt, built by the same
# set-up script and pins as a local checkout.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pathways
COPY . .
RUN PYTHON=python3 PATHWAYS_VENVS="pipeline dbt" scripts/setup.sh
ENV PATH=/opt/pathways/.venv/bin:$PATH
