"""Every import entry point fed broken and hostile files (hypothesis, bounded in CI; benchmarks/fuzz_imports.py runs
the long version): a clear AnquanError or success, never a traceback, and nothing half-written."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from anquan.app import App
from tests.support.fuzz import ENTRY_POINTS, check_one, fuzz_app, import_file

# The fuzzed county is made once, on one worker (scripts/test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("fuzz")

EXAMPLES = 15  # per entry point in CI


@pytest.fixture(scope="module")
def county_app(tmp_path_factory) -> App:
    app = fuzz_app(tmp_path_factory.mktemp("fuzz"))
    yield app
    app.engine.dispose()


_counter = itertools.count()


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_hostile_files_get_a_clear_error_and_nothing_half_written(entry, county_app, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"fuzz-{entry}")

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=import_file(entry))
    def run(case):
        check_one(county_app, entry, case, root / str(next(_counter)))

    run()
