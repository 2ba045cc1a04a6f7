"""State hooks of the flows: a failed or crashed run alerts the installation's IT contact (mail and webhook)."""

from __future__ import annotations

import logging
import os

from anquan.models.settings import load_settings
from anquan.notifications.alerts import send_alert

log = logging.getLogger("anquan.alerts")


def alert_it(flow, flow_run, state) -> None:
    """Prefect's on_failure/on_crashed hook. Never raises: an alert that cannot go out is logged."""
    try:
        settings = load_settings()
    except Exception as exc:  # bad settings may be what failed the run: nobody to tell but the log
        log.error("flow run %s %s; no alert sent, the settings do not load: %s", flow_run.name, state.type.value, exc)
        return
    when = flow_run.expected_start_time
    local = when.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z") if when else "-"
    ui = os.environ.get("PREFECT_UI_URL") or os.environ.get("PREFECT_API_URL", "").removesuffix("/api")
    subject = f"[Anquan {settings.installation_name}] {flow.name} {state.type.value.lower()}: run {flow_run.name}"
    text = (f"Installation: {settings.installation_name}\nFlow: {flow.name}\nRun: {flow_run.name} ({flow_run.id})\n"
            f"State: {state.name}\nScheduled for: {local}\nReason: {state.message or '-'}\n"
            + (f"Run page: {ui}/runs/flow-run/{flow_run.id}\n" if ui else ""))
    reached, problems = send_alert(settings, subject, text)
    for problem in problems:
        log.error(problem)
    if reached:
        log.warning("flow run %s %s: IT alerted (%s)", flow_run.name, state.type.value, ", ".join(reached))
    elif settings.it_email or settings.alert_webhook:
        # The likeliest case: the run failed on the mail server, and the alert mail with it (set a webhook too).
        log.error("flow run %s %s: IT NOT alerted, no alert channel worked", flow_run.name, state.type.value)
