"""`anquan serve` as the service manager and the IT officer meet it: a real process with its embedded Prefect server,
whose UI calls the API on the configured port, and which stops within seconds on SIGTERM or Ctrl-C, even when the
embedded server has died under it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from anquan.flows.serve import STOP_SECONDS
from tests.support.databases import BUILDERS, build_sqlite_template
from tests.support.prefect_server import clean_env
from tests.support.smtp import free_port

ANQUAN = str(Path(sys.executable).with_name("anquan"))
pytestmark = pytest.mark.xdist_group("prefect-production")  # heavy processes: kept beside the production tests


def _serve(data: Path, port: int, log: Path) -> subprocess.Popen:
    env = clean_env(ANQUAN_DATA_DIR=str(data), ANQUAN_PREFECT_PORT=str(port))
    with open(log, "wb") as out:
        return subprocess.Popen([ANQUAN, "serve", "--no-web"], env=env, cwd=data, stdout=out, stderr=subprocess.STDOUT)


def _wait_serving(proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while "Prefect UI:" not in log.read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)
    time.sleep(2)  # the runner registers the deployments and starts polling


def _embedded_server(proc: subprocess.Popen) -> int:
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return next(int(pid) for pid in children if b"server" in Path(f"/proc/{pid}/cmdline").read_bytes())


def _stopped_within(proc: subprocess.Popen, seconds: float) -> float:
    at = time.monotonic()
    proc.wait(timeout=seconds)
    return time.monotonic() - at


def test_serve_follows_its_port_and_stops_in_seconds_with_its_server_dead(tmp_path):
    data = tmp_path / "data"
    build_sqlite_template(data, BUILDERS["empty"])
    port, log = free_port(), tmp_path / "serve.log"
    proc = _serve(data, port, log)
    try:
        _wait_serving(proc, log)
        # The UI (served by the embedded server) is told to call the API on the configured port, not 4200.
        ui = httpx.get(f"http://127.0.0.1:{port}/ui-settings", timeout=10).json()
        assert ui["api_url"] == f"http://127.0.0.1:{port}/api", ui
        # The embedded server dies: serve notices, says why and stops; the service manager's stop (SIGTERM; Ctrl-C
        # takes the same way) arrives meanwhile. It ends within the limit, non-zero (a restart is in order), cleanly.
        os.kill(_embedded_server(proc), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while "embedded Prefect server stopped" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        took = _stopped_within(proc, STOP_SECONDS + 5)
        text = log.read_text(errors="replace")
        assert proc.returncode != 0, text[-3000:]
        assert "KeyboardInterrupt" not in text and "Not stopped within" not in text, text[-3000:]
        print(f"\nserve with its server dead stopped {took:.1f} s after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
