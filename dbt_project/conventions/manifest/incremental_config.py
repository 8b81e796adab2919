"""The project's own dbt-bouncer check (dbt_project/dbt-bouncer.yml): one incremental config."""

from dbt_bouncer.check_framework.decorator import check, fail

SHARED_CONFIGS = {"macro.pathways.per_cycle_incremental", "macro.pathways.per_cohort_incremental"}


@check
def check_incremental_model_uses_shared_config(model):
    """An incremental model takes its configuration from macros/incremental.sql
    (per_cycle_incremental or per_cohort_incremental): the strategy and the key that
    only_changed_cycles and only_changed_cohorts rely on are written once, not copied into each
    model."""
    materialized = (model.config.materialized if model.config else None) or ""
    if materialized != "incremental":
        return
    macros = (model.depends_on.macros if model.depends_on else None) or []
    if not SHARED_CONFIGS & set(macros):
        fail(
            f"`{model.name}` is incremental but not configured by per_cycle_incremental() or "
            "per_cohort_incremental()."
        )
