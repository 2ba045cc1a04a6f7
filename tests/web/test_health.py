"""`/healthz` and `/metrics` for IT: the database answers, and the outbox's state in Prometheus text format."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from anquan.models.outbox import OutboxMessage
from anquan.web.app import create_app
from anquan.web.security import Limits


def _samples(text: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+\{[^}]*\}) (\S+)$", text, re.M)}


def test_healthz_says_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.text == "ok\n"


def test_metrics_count_the_outbox(client, web_county):
    with web_county.session() as s:
        ids = list(s.execute(select(OutboxMessage.id).order_by(OutboxMessage.id)).scalars())
        week_ago = datetime.now(timezone.utc) - timedelta(days=7)
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[0]).values(status="failed"))
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[1]).values(attempts=2, created_at=week_ago))
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[2]).values(status="sent"))
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE anquan_outbox_messages gauge" in resp.text
    m = _samples(resp.text)
    assert m['anquan_outbox_messages{installation="anquan",status="pending"}'] == len(ids) - 2
    assert m['anquan_outbox_messages{installation="anquan",status="deferred"}'] == 1
    assert m['anquan_outbox_messages{installation="anquan",status="failed"}'] == 1
    assert m['anquan_outbox_messages{installation="anquan",status="sent"}'] == 1
    assert 7 * 86400 <= m['anquan_outbox_oldest_pending_age_seconds{installation="anquan"}'] < 7 * 86400 + 600
    # The tick of 20 February 2026, at midnight in Shanghai; the year 2026 planned.
    assert m['anquan_last_tick_date_timestamp_seconds{installation="anquan"}'] == datetime(
        2026, 2, 19, 16, 0, tzinfo=timezone.utc).timestamp()
    assert m['anquan_last_planned_year{installation="anquan"}'] == 2026


def test_health_fails_when_the_database_is_gone(web_county):
    with TestClient(create_app(web_county, limits=Limits()), follow_redirects=False) as c:
        web_county.engine.dispose()
        if web_county.settings.database_url:  # PostgreSQL: point the engine nowhere
            from sqlalchemy import create_engine

            web_county.__dict__["engine"] = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        else:
            (web_county.settings.data_dir / "anquan.db").unlink()
            web_county.__dict__["engine"] = __import__("sqlalchemy").create_engine(
                f"sqlite:///{web_county.settings.data_dir / 'missing' / 'anquan.db'}")
        for path in ("/healthz", "/metrics"):
            resp = c.get(path)
            assert resp.status_code == 503 and resp.text.startswith("database unavailable"), (path, resp.text)


def test_metrics_say_when_the_last_tick_and_plan_succeeded(client, web_county):
    from datetime import date

    from anquan.cycle import usecases as cycle

    never = _samples(client.get("/metrics").text)
    # The fixture ticked and planned through the domain functions, not the use cases: nothing stamped yet.
    assert never['anquan_last_successful_tick_timestamp_seconds{installation="anquan"}'] == 0
    assert never['anquan_last_successful_plan_timestamp_seconds{installation="anquan"}'] == 0
    web_county.today = lambda: date(2026, 3, 31)  # a later today: the fixture's was the 20th
    before = datetime.now(timezone.utc).timestamp()
    cycle.plan(web_county, year=2026)
    cycle.tick(web_county, as_of=date(2026, 2, 21))
    after = datetime.now(timezone.utc).timestamp()
    m = _samples(client.get("/metrics").text)
    ticked = m['anquan_last_successful_tick_timestamp_seconds{installation="anquan"}']
    planned = m['anquan_last_successful_plan_timestamp_seconds{installation="anquan"}']
    assert before - 1 <= planned <= ticked <= after + 1
    assert m['anquan_last_successful_tick_date_timestamp_seconds{installation="anquan"}'] == datetime(
        2026, 2, 20, 16, 0, tzinfo=timezone.utc).timestamp()
    # A tick that fails part way (here: making a mail's attachment) commits nothing, its stamp included.
    def broken(session, items, day):
        raise RuntimeError("the duty report form could not be made")

    def last_tick() -> float:
        return _samples(client.get("/metrics").text)['anquan_last_successful_tick_timestamp_seconds{installation="anquan"}']

    for day in range(22, 29):  # the first day after the 21st with mail to make fails; those before succeed
        stamped = last_tick()
        try:
            cycle.tick(web_county, as_of=date(2026, 2, day), attachments=broken)
        except RuntimeError:
            assert last_tick() == stamped
            break
        assert last_tick() > stamped
    else:
        raise AssertionError("no tick between 22 and 28 February made mail")
