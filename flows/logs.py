"""The flow runs' log: INFO and up, each line with the county's local date, time and zone, to the run's log in
Prefect (the UI's run page) and to a file under the data folder (logs/anquan.log, rotated daily, 30 kept)."""

from __future__ import annotations

import logging
from datetime import datetime
from logging.handlers import TimedRotatingFileHandler

from anquan.models.settings import Settings

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "anquan")
_installed: dict[str, TimedRotatingFileHandler] = {}  # the one file this process logs to


class LocalTimeFormatter(logging.Formatter):
    """`2026-03-10 08:00:02 CST+0800 INFO qinglan daily_tick: ...` in the installation's time zone."""

    def __init__(self, settings: Settings):
        super().__init__("%(asctime)s %(levelname)s " + settings.installation_name + " %(name)s: %(message)s")
        self.tz = settings.tz

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created, self.tz).strftime("%Y-%m-%d %H:%M:%S %Z%z")


def log_to_file(settings: Settings) -> None:
    """Once per process: the run loggers at INFO, and a file handler in local time (moved if the data folder moves)."""
    path = settings.data_dir / "logs" / "anquan.log"
    if str(path) in _installed:
        return
    for old in _installed.values():
        for name in RUN_LOGGERS:
            logging.getLogger(name).removeHandler(old)
        old.close()
    _installed.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = TimedRotatingFileHandler(path, when="midnight", backupCount=30, encoding="utf-8")
    handler.setFormatter(LocalTimeFormatter(settings))
    handler.setLevel(logging.INFO)
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    _installed[str(path)] = handler
