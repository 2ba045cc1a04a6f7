"""The front doors of the pages as processes: `anquan web`, and the pages beside the schedules."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from anquan.web.serve import pages_beside
from tests.support.smtp import free_port
from tests.web.conftest import KEY, keyed

ANQUAN = str(Path(sys.executable).parent / "anquan")


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _wait_for(url: str, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = _status(url)
        if status is not None:
            return status
        time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_anquan_web_serves_and_keeps_tokens_out_of_its_log(app, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env.update(ANQUAN_DATA_DIR=str(app.settings.data_dir), ANQUAN_SECRET_KEY=KEY)
    proc = subprocess.Popen([ANQUAN, "web", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/my") == 401
        assert _status(f"http://127.0.0.1:{port}/l/WzEsMF0.SECRET-TOKEN-PART") == 403
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "/l/[redacted]" in output and "SECRET-TOKEN-PART" not in output, output


@pytest.mark.parametrize("backend", ["sqlite"])
def test_pages_beside_the_schedules_and_not_without_a_key(app, capsys):
    a = keyed(app, web_port=free_port())
    with pages_beside(a) as address:
        assert address == f"http://127.0.0.1:{a.settings.web_port}"
        assert _wait_for(f"{address}/my") == 401
    assert _status(f"{address}/my") is None  # stopped with the schedules
    from pydantic import SecretStr

    with pages_beside(keyed(app, secret_key=SecretStr(""))) as none:
        assert none is None
    assert "ANQUAN_SECRET_KEY" in capsys.readouterr().out
