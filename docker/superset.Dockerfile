# Superset 6.1 in its own venv (its SQLAlchemy pin clashes with Airflow's), same pins as local.
FROM python:3.11-slim
WORKDIR /opt/pathways
COPY . .
RUN PYTHON=python3 PATHWAYS_VENVS="superset" scripts/setup.sh
ENV PATH=/opt/pathways/.venv-superset/bin:$PATH
