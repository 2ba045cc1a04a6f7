"""The Prefect flow modules' fixtures: one Prefect test server per worker, and the sample county the flows act on.

The modules that use them carry pytestmark = pytest.mark.xdist_group("prefect"), so one worker starts the server."""

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def flow_app(county, prefect_harness, monkeypatch):
    """The sample county; the flows build their own App from the environment: point it at the test database."""
    monkeypatch.setenv("ANQUAN_DATA_DIR", str(county.settings.data_dir))
    if county.settings.database_url:
        monkeypatch.setenv("ANQUAN_DATABASE_URL", county.settings.database_url)
    return county
