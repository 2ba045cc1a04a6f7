"""`/healthz` and `/metrics` (Prometheus text format) for IT: is the service up with its database, and how is the
mail doing. No personal data; keep them off the public proxy (deploy/README.md, section 5)."""

from __future__ import annotations

from datetime import datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from anquan.cycle.usecases import operations_status

router = APIRouter()
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz(request: Request):
    try:
        await run_in_threadpool(request.app.state.anquan.checked_engine)
        await run_in_threadpool(operations_status, request.app.state.anquan)
    except Exception as exc:  # noqa: BLE001 - any failure means not healthy; the reason is for IT
        return PlainTextResponse(f"database unavailable: {type(exc).__name__}\n", status_code=503)
    return PlainTextResponse("ok\n")


def _metrics(status: dict, installation: str, tz) -> str:
    def local_midnight(day) -> float:
        return datetime.combine(day, time(0), tzinfo=tz).timestamp()

    rows = [
        ("anquan_outbox_messages", "gauge", "Outbox messages by status (deferred: pending after a failed attempt).",
         [({"status": k}, status[k]) for k in ("pending", "deferred", "failed", "sent")]),
        ("anquan_outbox_oldest_pending_age_seconds", "gauge", "How long the oldest pending message has waited.",
         [({}, status["oldest_pending_seconds"])]),
        ("anquan_last_tick_date_timestamp_seconds", "gauge",
         "Start (county time) of the latest tick date that queued mail; 0 before any.",
         [({}, local_midnight(status["last_tick_date"]) if status["last_tick_date"] else 0)]),
        ("anquan_last_planned_year", "gauge", "The latest year planned; 0 before any.",
         [({}, status["last_planned_year"] or 0)]),
        ("anquan_last_successful_tick_timestamp_seconds", "gauge",
         "When the last tick committed (Unix time); 0 before any. Alert when older than a day and a bit.",
         [({}, status["last_tick_at"].timestamp() if status["last_tick_at"] else 0)]),
        ("anquan_last_successful_tick_date_timestamp_seconds", "gauge",
         "Start (county time) of the day the last successful tick acted for; 0 before any.",
         [({}, local_midnight(status["last_tick_on"]) if status["last_tick_on"] else 0)]),
        ("anquan_last_successful_plan_timestamp_seconds", "gauge", "When the last plan committed (Unix time); 0 before any.",
         [({}, status["last_plan_at"].timestamp() if status["last_plan_at"] else 0)]),
    ]
    out = []
    for name, kind, help_text, samples in rows:
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            labels = {"installation": installation, **labels}
            text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            number = int(value) if float(value).is_integer() else round(float(value), 3)
            out.append(f"{name}{{{text}}} {number}")
    return "\n".join(out) + "\n"


@router.get("/metrics")
async def metrics(request: Request):
    app = request.app.state.anquan
    try:
        status = await run_in_threadpool(operations_status, app)
    except Exception as exc:  # noqa: BLE001
        return PlainTextResponse(f"database unavailable: {type(exc).__name__}\n", status_code=503)
    return PlainTextResponse(_metrics(status, app.settings.installation_name, app.settings.tz), media_type=PROMETHEUS)
