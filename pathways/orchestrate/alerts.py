"""Telling a person when a cycle load fails: mail through an Airflow SMTP connection.

Configuration, all from the environment: PATHWAYS_ALERT_EMAIL (who is told; no address, no
mail), PATHWAYS_ALERT_FROM (the sender, default pathways@localhost) and the Airflow connection
`pathways_smtp`, e.g. AIRFLOW_CONN_PATHWAYS_SMTP='smtp://user:pw@mail.example:587'
(add `?disable_ssl=true&disable_tls=true` for a plain local relay).
"""

from __future__ import annotations

import os

SMTP_CONN_ID = "pathways_smtp"
SUBJECT = "Pathways: {{ ti.dag_id }} failed at {{ ti.task_id }} ({{ run_id }})"
BODY = (
    "<p>The cycle load <b>{{ ti.dag_id }}</b>, run <b>{{ run_id }}</b>, failed at task "
    "<b>{{ ti.task_id }}</b> (try {{ ti.try_number }}).</p>"
    "<p>{{ exception | e }}</p>"
    "<p>The partner figures were left as they were. The task's log has the details.</p>"
)


def failure_notifiers() -> list:
    """on_failure_callback for the DAG's tasks: a mail per failed task, once retries are spent."""
    to = os.environ.get("PATHWAYS_ALERT_EMAIL")
    if not to:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [
        SmtpNotifier(
            to=to,
            from_email=os.environ.get("PATHWAYS_ALERT_FROM", "pathways@localhost"),
            subject=SUBJECT,
            html_content=BODY,
            smtp_conn_id=SMTP_CONN_ID,
        )
    ]
