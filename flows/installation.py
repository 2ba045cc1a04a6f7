"""Which installation a flow run acts for: many installations (counties) may share one Prefect server.

Every deployment is named after the installation (`daily_tick/qinglan`), tagged with it, and put in the work
queue of that name; every artifact key starts with it. A worker runs flows with its own installation's settings
(its environment), so a run of another installation's deployment that reaches it by mistake (a worker polling
every queue of the pool, say) must not act: it fails, naming both installations, before touching any database.
"""

from __future__ import annotations

from anquan.errors import AnquanError
from anquan.models.settings import Settings

TAG = "anquan"


def artifact_key(settings: Settings, name: str) -> str:
    """An artifact key of this installation (Prefect keys: lowercase letters, digits and dashes)."""
    return f"{settings.installation_name}-{name}"


def tags(settings: Settings) -> list[str]:
    return [TAG, settings.installation_name]


def check_deployment(settings: Settings, deployment_name: str | None) -> None:
    """Refuse a run of a deployment that belongs to another installation (None: started without a deployment)."""
    if deployment_name is not None and deployment_name != settings.installation_name:
        raise AnquanError(
            f"this worker acts for installation {settings.installation_name!r} (ANQUAN_INSTALLATION) but the run "
            f"belongs to deployment {deployment_name!r}: nothing was done. Start each installation's worker on the "
            f"work queue named after its installation only.")
