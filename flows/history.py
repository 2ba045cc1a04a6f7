"""Prefect's own run history: this installation's finished flow runs older than ANQUAN_PREFECT_RETENTION_DAYS are
deleted through the Prefect API (the server deletes their states and task runs with them, and their logs just
after). Delivery alone makes 288 runs a day; nothing else ever removes them.

Only this installation's runs: those of its own deployments (named after the installation) of Anquan's flows, so
a Prefect server shared by many counties loses nothing of the others'. Runs not yet finished (scheduled, late,
running, paused) are never touched, however old.
"""

from __future__ import annotations

from datetime import datetime

from anquan.models.settings import Settings

PAGE = 200  # the API's default page


def _filters(settings: Settings, older_than: datetime) -> dict:
    from prefect.client.schemas.filters import (
        DeploymentFilter, DeploymentFilterName, FlowFilter, FlowFilterName, FlowRunFilter,
        FlowRunFilterExpectedStartTime, FlowRunFilterState, FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from anquan.flows.serve import flow_names

    finished = [StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED]
    return {
        "flow_filter": FlowFilter(name=FlowFilterName(any_=flow_names())),
        "deployment_filter": DeploymentFilter(name=DeploymentFilterName(any_=[settings.installation_name])),
        "flow_run_filter": FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(before_=older_than),
                                         state=FlowRunFilterState(type=FlowRunFilterStateType(any_=finished))),
    }


def prune_flow_runs(settings: Settings, *, older_than: datetime, dry_run: bool = False) -> int:
    """Delete (or, on a dry run, count) this installation's finished flow runs expected to start before
    `older_than`; how many. Needs the Prefect API (PREFECT_API_URL, or the flow run's own)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    filters = _filters(settings, older_than)
    found, offset, seen = 0, 0, set()
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(**filters, limit=PAGE, offset=offset)
            runs = [r for r in runs if r.id not in seen]  # a delete that did not take would loop for ever
            if not runs:
                return found
            seen.update(r.id for r in runs)
            found += len(runs)
            if dry_run:
                offset += PAGE
                continue
            for run in runs:
                try:
                    client.delete_flow_run(run.id)
                except ObjectNotFound:  # deleted meanwhile (another prune, or by hand)
                    pass
