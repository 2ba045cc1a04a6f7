"""When a scheduled run should act: a missed daily tick overtaken by a newer one acts for the newest day."""

from __future__ import annotations

from datetime import datetime


def latest_fire_time(cron: str, *, now: datetime) -> datetime:
    """The most recent time at or before `now` that the cron expression fires (now's time zone)."""
    from prefect._vendor.croniter import croniter  # Prefect's own, so schedules and this agree

    it = croniter(cron, now)
    if it.match(cron, now):
        return now.replace(second=0, microsecond=0)
    return it.get_prev(datetime)


def newest_due(scheduled: datetime, *, now: datetime, cron: str, tz) -> datetime | None:
    """The newest fire time of the schedule (county time) when a newer run than `scheduled` has come due, else None.

    After downtime Prefect starts every missed run, oldest first, and the tick's concurrency limit cancels
    a newer run that comes due while an older one holds the slot. A daily tick from days ago must neither
    mail that day's stages as well as today's nor leave today's to a cancelled run: it acts for the newest
    day (the latest stage due, older ones recorded as skipped). A run that merely starts late, with no newer
    run due yet, still acts for the day it was scheduled for.
    """
    # The cron fires in the county's time zone, as the deployment's schedule does.
    latest = latest_fire_time(cron, now=now.astimezone(tz))
    return latest if latest > scheduled else None


def remove_missed_runs(*, now: datetime) -> tuple[int, datetime | None]:
    """Remove this run's deployment's missed runs (scheduled, due before `now`, without parameters of their own).

    After downtime Prefect starts every missed run, oldest first: a day of five-minute deliveries is 288
    runs, each a process, one at a time under the concurrency limit. The run that got to act does what
    they would have done (a delivery sends all pending mail; a tick acts for the newest day), so it removes
    them, as Prefect removes a deployment's scheduled runs when the deployment changes: the backlog is gone
    after one run, not minutes of stale runs. (Cancelling them one by one took 0.3 s a run on a loaded
    server.) Runs started by hand with parameters of their own (a tick for a named day) are left alone.
    Returns how many were removed and the earliest one's scheduled time.
    """
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterDeploymentId,
                                                FlowRunFilterExpectedStartTime, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.runtime import deployment, flow_run

    if deployment.id is None:  # not a deployment's run (a test, a flow called directly)
        return 0, None
    missed = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[UUID(deployment.id)]),
                           state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                           expected_start_time=FlowRunFilterExpectedStartTime(before_=now))
    ids, earliest, offset = [], None, 0
    with get_client(sync_client=True) as client:
        while runs := client.read_flow_runs(flow_run_filter=missed, sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                                            limit=200, offset=offset):
            offset += len(runs)
            for run in runs:
                if str(run.id) != flow_run.id and not run.parameters:
                    ids.append(str(run.id))
                    earliest = min(earliest or run.expected_start_time, run.expected_start_time)
        for at in range(0, len(ids), 50):  # the API's bulk limit
            client.request("POST", "/flow_runs/bulk_delete",
                           json={"flow_runs": {"id": {"any_": ids[at:at + 50]}}, "limit": 50}).raise_for_status()
    return len(ids), earliest
