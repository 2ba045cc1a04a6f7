"""The installation's name: a checked setting that every deployment, tag, work queue and artifact key carries, so
installations sharing one Prefect server never act for each other; prefect.yaml says what `anquan serve` says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from anquan.errors import AnquanError, ConfigError, SettingsError
from anquan.flows.deploy import CRONS, deploy, deploy_environment, prefect_api_url
from anquan.flows.installation import artifact_key, check_deployment, tags
from anquan.flows.serve import BY_HAND, ONE_AT_A_TIME, SCHEDULED, embedded_server
from anquan.models.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["qinglan", "county-a", "sx-taiyuan-01"])
def test_a_short_name_is_accepted(name):
    settings = load_settings(installation=name)
    assert settings.installation_name == name
    assert artifact_key(settings, "daily-tick") == f"{name}-daily-tick" and tags(settings) == ["anquan", name]


@pytest.mark.parametrize("name", ["Qinglan", "青岚", "q", "county_a", "county-", "1county", "a/b", "x" * 41])
def test_a_bad_name_is_refused_naming_the_variable(name):
    with pytest.raises(SettingsError, match=r"ANQUAN_INSTALLATION: .* is not a short name"):
        load_settings(installation=name)


def test_without_a_name_one_machine_is_anquan():
    assert load_settings().installation_name == "anquan"


def test_a_run_of_another_installations_deployment_does_nothing():
    settings = load_settings(installation="county-a")
    check_deployment(settings, "county-a")
    check_deployment(settings, None)  # started without a deployment (a test, the CLI)
    with pytest.raises(AnquanError, match=r"acts for installation 'county-a' .* deployment 'county-b': nothing was done"):
        check_deployment(settings, "county-b")


def test_serve_on_a_shared_server_needs_the_name(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    with pytest.raises(AnquanError, match=r"set ANQUAN_INSTALLATION"):
        with embedded_server(load_settings()):
            pass
    with embedded_server(load_settings(installation="qinglan")) as url:
        assert url == "http://127.0.0.1:4200/api"


def test_deploy_needs_the_name_and_the_server(monkeypatch, tmp_path):
    # Settings, not command-line input: the message names the variable (a ConfigError, no field to map to a flag).
    with pytest.raises(ConfigError, match=r"set ANQUAN_INSTALLATION"):
        deploy_environment(load_settings(), tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # a folder without a .env
    with pytest.raises(ConfigError, match=r"PREFECT_API_URL is not set"):
        deploy(load_settings(installation="qinglan"))
    # In the installation's folder, whose .env names the server (as `sudo -u anquan anquan deploy` runs by hand):
    # found the way Prefect's own commands find it.
    (tmp_path / ".env").write_text("PREFECT_API_URL=http://127.0.0.1:4201/api\n", encoding="utf-8")
    assert prefect_api_url() == "http://127.0.0.1:4201/api"


def test_prefect_yaml_deploys_what_serve_serves():
    """Every flow, its cron setting, its concurrency limit; every placeholder one `anquan deploy` fills."""
    text = (ROOT / "prefect.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    env = deploy_environment(load_settings(installation="qinglan"), ROOT)
    deps = {d["entrypoint"].removeprefix("anquan.flows.cycle:"): d for d in spec["deployments"]}
    assert set(deps) == {f for f, _, _ in SCHEDULED} | {f for f, _ in BY_HAND}
    cron_var = {field: var for var, field in CRONS.items()}
    for flow, field, description in SCHEDULED:
        d = deps[flow]
        assert d["schedules"] == [{"cron": f"{{{{ $ {cron_var[field]} }}}}".replace("$ ", "$"),
                                   "timezone": "{{ $ANQUAN_TIMEZONE }}"}]
        assert d["description"] == description
    for flow, description in BY_HAND:
        assert deps[flow]["schedules"] == [] and deps[flow]["description"] == description
    for flow, d in deps.items():
        assert d["name"] == "{{ $ANQUAN_INSTALLATION }}" and d["tags"] == ["anquan", "{{ $ANQUAN_INSTALLATION }}"]
        assert d["work_pool"] == {"name": "{{ $ANQUAN_WORK_POOL }}", "work_queue_name": "{{ $ANQUAN_INSTALLATION }}"}
        limit = {"limit": 1, "collision_strategy": "CANCEL_NEW"} if flow in ONE_AT_A_TIME else None
        assert d.get("concurrency_limit") == limit, flow
    used = set(re.findall(r"\{\{\s*\$([A-Z_]+)\s*\}\}", "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))))
    assert used == set(env)
