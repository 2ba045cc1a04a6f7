"""`anquan deploy`: this installation's deployments on a shared Prefect server, from prefect.yaml.

prefect.yaml is Prefect's own description of the deployments; its installation-specific values are
`{{ $ANQUAN_... }}` placeholders that `prefect deploy` fills from the environment. This module checks the
installation's settings (the same validation every command gets), exports exactly the values the file uses,
and runs `prefect deploy` with them. Running `prefect deploy` by hand works too, with those variables set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from anquan.errors import AnquanError, ConfigError
from anquan.models.settings import Settings

CRONS = {"ANQUAN_TICK_CRON": "tick_cron", "ANQUAN_DELIVER_CRON": "deliver_cron", "ANQUAN_PLAN_CRON": "plan_cron",
         "ANQUAN_ASSESS_CRON": "assess_cron", "ANQUAN_MONTHLY_CRON": "monthly_cron", "ANQUAN_BOOKS_CRON": "books_cron",
         "ANQUAN_ROUND_CRON": "round_cron", "ANQUAN_PRUNE_CRON": "prune_cron"}
PREFECT_DEPLOY = ["--no-prompt", "deploy", "--all", "--prefect-file"]  # Prefect's command line, not ours
PLACEHOLDER = re.compile(r"\{\{\s*\$([A-Z_]+)\s*\}\}")


def default_prefect_file() -> Path:
    """prefect.yaml here (Prefect's convention; the service's folder is the checkout), else the checkout's."""
    import anquan

    here = Path.cwd() / "prefect.yaml"
    return here if here.is_file() else Path(anquan.__file__).resolve().parent.parent / "prefect.yaml"


def prefect_api_url() -> str:
    """The Prefect server deployments go to, as Prefect reads it: the environment, then the .env of the folder it
    runs in. So the worker's unit and a by-hand `sudo -u anquan .venv/bin/anquan deploy` in the installation's
    folder see the same server. ConfigError when neither names one."""
    from prefect.settings import Settings

    # Read afresh, as the `prefect deploy` this starts will read it: not a Prefect context this process may be in.
    url = Settings().api.url
    if not url:
        raise ConfigError("PREFECT_API_URL is not set (in the environment or the .env): name the shared Prefect "
                          "server's API (e.g. http://127.0.0.1:4200/api)")
    return url


def deploy_environment(settings: Settings, workdir: Path) -> dict[str, str]:
    """The variables prefect.yaml's placeholders name, from the installation's checked settings."""
    if not settings.installation:
        raise ConfigError("set ANQUAN_INSTALLATION to this installation's short name (e.g. qinglan) before deploying "
                          "to a Prefect server other installations may share")
    return {"ANQUAN_INSTALLATION": settings.installation, "ANQUAN_WORK_POOL": settings.work_pool,
            "ANQUAN_TIMEZONE": settings.timezone, "ANQUAN_WORKDIR": str(workdir.resolve()),
            **{var: getattr(settings, field) for var, field in CRONS.items()}}


def deploy(settings: Settings, *, prefect_file: Path | None = None, workdir: Path | None = None,
           townships: list[tuple[str, str]] = ()) -> list[str]:
    """Run `prefect deploy` on every deployment of prefect.yaml for this installation; return the deployments made
    (flow/name). The hand-started ones then get the directory's townships (code, name) as their choices."""
    prefect_file = prefect_file or default_prefect_file()
    if not prefect_file.is_file():
        raise AnquanError(f"no prefect.yaml at {prefect_file}: name the file to deploy from", field="prefect_file")
    api_url = prefect_api_url()
    values = deploy_environment(settings, workdir or Path.cwd())
    text = prefect_file.read_text(encoding="utf-8")
    used = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    unknown = sorted(set(PLACEHOLDER.findall(used)) - set(values))
    if unknown:
        raise AnquanError(f"{prefect_file} uses variables anquan deploy does not set: {', '.join(unknown)}",
                          field="prefect_file")
    env = {**os.environ, **values, "PREFECT_API_URL": api_url}
    done = subprocess.run([sys.executable, "-m", "prefect", *PREFECT_DEPLOY, str(prefect_file)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise AnquanError(f"prefect deploy failed:\n{tail}")
    flows = re.findall(r"entrypoint:\s*anquan\.flows\.cycle:(\w+)", text)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):  # the server just deployed to
        _in_office_words([f"{flow}/{settings.installation}" for flow in ("special_campaign", "major_event")
                          if flow in flows], list(townships))
    return [f"{flow}/{settings.installation}" for flow in flows]


def _in_office_words(names: list[str], townships: list[tuple[str, str]]) -> None:
    """These deployments' parameter schema in the office's words, the directory's townships its choices (office_schema)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentUpdate

    from anquan.campaigns.params import office_schema

    with get_client(sync_client=True) as client:
        for name in names:
            made = client.read_deployment_by_name(name)
            schema = office_schema(dict(made.parameter_openapi_schema or {}), townships,
                                   what="event" if name.startswith("major_event/") else "campaign")
            client.update_deployment(made.id, DeploymentUpdate(parameter_openapi_schema=schema))
