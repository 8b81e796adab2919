"""Superset configuration for docker-compose; every secret comes from the environment."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]
SCARF_ANALYTICS = False
# As pathways/serve/superset_local.py: tiles filter on a subquery; no Jinja templating.
FEATURE_FLAGS = {"ALLOW_ADHOC_SUBQUERY": True}
