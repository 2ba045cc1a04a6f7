"""When a scheduled run should act: the newest missed daily tick acts, older ones stand aside."""

from __future__ import annotations

from datetime import datetime


def latest_fire_time(cron: str, *, now: datetime) -> datetime:
    """The most recent time at or before `now` that the cron expression fires (now's time zone)."""
    from prefect._vendor.croniter import croniter  # Prefect's own, so schedules and this agree

    it = croniter(cron, now)
    if it.match(cron, now):
        return now.replace(second=0, microsecond=0)
    return it.get_prev(datetime)


def superseded(scheduled: datetime, *, now: datetime, cron: str, tz) -> bool:
    """True when a newer run of the same schedule has come due since this one was scheduled.

    After downtime Prefect starts every missed run, oldest first. A daily tick
    from days ago must not mail that day's stages as well as today's: only
    the newest run acts (it sends the latest stage due and records the older
    ones as skipped). A run that merely starts late, with no newer run due
    yet, still acts for the day it was scheduled for.
    """
    # The cron fires in the county's time zone, as the deployment's schedule does.
    return latest_fire_time(cron, now=now.astimezone(tz)) > scheduled
