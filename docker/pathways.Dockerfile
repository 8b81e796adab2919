# The pipeline image: the Pathways wheel installed (not a checkout) with Airflow 3, cosmos, Soda
# and dbt at the pins of requirements/pipeline.txt, the set-up script's pins. Airflow's workers
# run the DAGs from the installed package.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/ /tmp/requirements/
RUN python -m venv /opt/pathways/venv \
    && /opt/pathways/venv/bin/pip install --no-cache-dir -r /tmp/requirements/pipeline.txt
COPY --from=wheel /wheels /wheels
RUN /opt/pathways/venv/bin/pip install --no-cache-dir --no-deps /wheels/*.whl \
    && /opt/pathways/venv/bin/pip check
ENV PATH=/opt/pathways/venv/bin:$PATH \
    PATHWAYS_STATE_DIR=/opt/pathways/state
WORKDIR /opt/pathways
# The manifest the cycle-load DAG draws its dbt tasks from, in the state folder.
RUN pathways parse
