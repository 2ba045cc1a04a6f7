"""kill -9 during delivery: a real `anquan mail deliver` process, a real SMTP sink that counts X-Anquan-Key.

Used by tests/notifications/test_delivery_kill.py (a few kills in CI) and benchmarks/kill_delivery.py (50).
After each kill the dead process's lease is made to run out at once (as ten minutes would), so the next
run takes its messages up again; the duplicates a kill causes are the messages the sink received from that
process that the database still has pending when it dies: each will be sent once more.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.models.types import utcnow
from anquan.notifications.render import Rendered, build_message, message_id_for

ANQUAN = str(Path(sys.executable).parent / "anquan")
MAIL_FROM = "青岚县安委办 <anquan@qinglan.example>"


def deliver_env(settings, sink, *, connections: int) -> dict[str, str]:
    """The environment of an `anquan mail deliver` process on `settings`' database sending to `sink`: the shell's
    ANQUAN_* settings left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env.update({"ANQUAN_DATA_DIR": str(settings.data_dir), "ANQUAN_SMTP_HOST": "127.0.0.1",
                "ANQUAN_SMTP_PORT": str(sink.port), "ANQUAN_SMTP_SECURITY": "none",
                "ANQUAN_SMTP_CONNECTIONS": str(connections), "ANQUAN_MAIL_FROM": "anquan@qinglan.example"})
    if settings.database_url:
        env["ANQUAN_DATABASE_URL"] = settings.database_url
    return env


def fill_outbox(engine: Engine, n: int, *, tz) -> set[str]:
    """`n` pending messages, each with its own key in its X-Anquan-Key header; their keys."""
    rendered = Rendered("reminder", "【提醒】请按期报送安全生产材料", "请按期报送。\n" * 40, "<p>请按期报送。</p>" * 40)
    now, keys, rows = utcnow(), set(), []
    when = utcnow().astimezone(tz)
    for i in range(n):
        key = f"kill-{i:06d}"
        message_id = message_id_for(key, MAIL_FROM)
        raw = build_message(rendered=rendered, to_name="测试", to_addr=f"user{i}@qinglan.example", mail_from=MAIL_FROM,
                            message_id=message_id, key=key, when=when)
        rows.append(dict(key=key, message_id=message_id, to_addr=f"user{i}@qinglan.example", to_name="测试",
                         subject=rendered.subject, template="reminder", stage="test", tick_date=date(2026, 3, 2),
                         raw=raw, status="pending", attempts=0, next_attempt_at=now, created_at=now))
        keys.add(key)
    with engine.begin() as conn:
        for start in range(0, n, 1000):
            conn.execute(insert(OutboxMessage), rows[start:start + 1000])
    return keys


@dataclass
class KillReport:
    queued: int
    kills: int = 0
    missed: int = 0  # runs that ended before the kill landed
    duplicates_per_kill: list[int] = field(default_factory=list)
    lost: int = 0
    copies: Counter = field(default_factory=Counter)  # how many keys arrived 1, 2, 3... times

    @property
    def duplicates(self) -> int:
        return sum((c - 1) * k for c, k in self.copies.items())


def _pending_keys(engine: Engine) -> set[str]:
    t = OutboxMessage.__table__
    with engine.connect() as conn:
        return set(conn.execute(select(t.c.key).where(t.c.status == MailStatus.pending.value)).scalars())


def _expire_leases(engine: Engine, pid: int) -> None:
    """The dead process's lease runs out now (as it would ten minutes later)."""
    t = OutboxMessage.__table__
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c.claimed_by.like(f"%:{pid}:%"))
                     .values(claimed_until=utcnow() - timedelta(seconds=1)))


def kill_deliveries(*, engine: Engine, env: dict, sink, keys: set[str], kills: int, seed: int = 1,
                    most_before_kill: int = 60, timeout: float = 60.0) -> KillReport:
    """Start `anquan mail deliver` and kill -9 it after 1..most_before_kill arrivals, `kills` times; then
    deliver the rest without a kill and count what arrived."""
    rng = random.Random(seed)
    report = KillReport(queued=len(keys))
    while report.kills < kills:
        start, target = len(sink.keys()), rng.randint(1, most_before_kill)
        proc = subprocess.Popen([ANQUAN, "mail", "deliver"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and len(sink.keys()) - start < target and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is not None:  # it finished first: everything is out
            report.missed += 1
            if proc.returncode != 0:
                raise AssertionError(f"anquan mail deliver failed: {proc.stderr.read().decode()[-2000:]}")
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.2)  # what the dead process had already written reaches the sink
        report.kills += 1
        # Arrived during this run and not recorded: they will go again, one duplicate each.
        again = set(sink.keys()[start:]) & _pending_keys(engine)
        report.duplicates_per_kill.append(len(again))
        _expire_leases(engine, proc.pid)
    final = subprocess.run([ANQUAN, "mail", "deliver"], env=env, capture_output=True, text=True, timeout=600)
    if final.returncode != 0:
        raise AssertionError(f"anquan mail deliver failed: {final.stderr[-2000:]}")
    arrived = Counter(sink.keys())
    report.lost = len(keys - set(arrived))
    report.copies = Counter(arrived[k] for k in keys if k in arrived)
    return report
