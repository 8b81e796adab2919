"""The project's own dbt-bouncer check (dbt_project/dbt-bouncer.yml): freshness, or a reason."""

from dbt_bouncer.check_framework.decorator import check, fail


@check
def check_source_freshness_or_reason(source):
    """A source has a freshness (warn_after or error_after), or says in its `meta` why it has
    none (`no_freshness_because`): a table without a load time of its own, or one the pipeline
    writes in every run, is not a freshness breach waiting to be noticed."""
    freshness = source.freshness
    periods = (freshness.warn_after, freshness.error_after) if freshness else ()
    if any(after and after.count is not None and after.period for after in periods):
        return
    reason = (source.meta or {}).get("no_freshness_because") or ""
    if len(reason.strip()) < 20:
        fail(
            f"`{source.source_name}.{source.name}` has no freshness and no reason for it "
            "(meta: no_freshness_because)."
        )
