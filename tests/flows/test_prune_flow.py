"""The nightly prune flow under Prefect's test harness: old mail bodies, and this installation's old runs only."""

from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.xdist_group("prefect")  # the Prefect test server of tests/flows/conftest.py


@pytest.fixture(params=["sqlite"])
def backend(request):
    """Prefect-flow tests run on SQLite only; the use case's queries are tested on both (tests/notifications)."""
    return request.param


def test_prune_flow_deletes_only_this_installations_old_finished_runs(flow_app):
    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Failed, Scheduled

    from anquan.flows.cycle import deliver_mail, prune_history

    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=40), now - timedelta(days=2)  # ANQUAN_PREFECT_RETENTION_DAYS: 30
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(deliver_mail)
        runs = {}
        for installation in ("anquan", "another-county"):
            deployment = client.create_deployment(flow_id=flow_id, name=installation)
            for label, when, end in (("old", old, Completed()), ("old-failed", old, Failed()),
                                     ("recent", recent, Completed()), ("old-waiting", old, None)):
                run = client.create_flow_run_from_deployment(deployment, state=Scheduled(scheduled_time=when))
                if end is not None:
                    client.set_flow_run_state(run.id, end, force=True)
                runs[(installation, label)] = run.id

        dry = prune_history(dry_run=True)
        assert dry["flow_runs"] == 2 and dry["dry_run"] and dry["messages"] == 0
        assert len(client.read_flow_runs(limit=50)) >= len(runs)  # nothing deleted on a dry run
        result = prune_history()
        left = {r.id for r in client.read_flow_runs(limit=200)}
    assert result["flow_runs"] == 2 and result["before"] == (datetime.now(flow_app.settings.tz).date()
                                                             - timedelta(days=400)).isoformat()
    gone = {k for k, run_id in runs.items() if run_id not in left}
    assert gone == {("anquan", "old"), ("anquan", "old-failed")}  # not another county's, not a recent or waiting one
    text = str(Artifact.get("anquan-prune-history").data)
    assert "0 messages lost their bodies" in text and "finished Prefect flow runs" in text and ": 2 deleted" in text
