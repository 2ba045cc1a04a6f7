"""The long run of the import fuzzing (tests/test_fuzz_imports.py runs 15 cases per entry point in CI).

    .venv/bin/python benchmarks/fuzz_imports.py --cases 10000

Feeds every import entry point (directory, submissions, accidents, indicators, hazards, adjustments) hostile and
broken files from tests/support/fuzz.py, on SQLite, and counts the outcomes: imported, refused with a clear error,
Python tracebacks (any exception other than AnquanError) and partial writes (a refusal that changed the database).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.support.fuzz import ENTRY_POINTS, check_one, fuzz_app, import_file  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in all, shared out over the entry points")
    args = parser.parse_args()
    per_entry = max(1, args.cases // len(ENTRY_POINTS))
    tally: dict[str, collections.Counter] = {}
    first_tracebacks: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        counter = itertools.count()
        for entry in sorted(ENTRY_POINTS):
            app = fuzz_app(Path(tmp) / entry)
            seen = tally[entry] = collections.Counter()

            @settings(max_examples=per_entry, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=import_file(entry))
            def run(case):
                try:
                    seen[check_one(app, entry, case, Path(tmp) / "cases" / str(next(counter)))] += 1
                except AssertionError as exc:
                    seen["partial write"] += 1
                    first_tracebacks.append(f"{entry}: {exc}")
                except Exception:  # noqa: BLE001 - this is what the run counts
                    seen["traceback"] += 1
                    if len(first_tracebacks) < 5:
                        first_tracebacks.append(f"{entry}: {traceback.format_exc(limit=3)}")

            run()
            app.engine.dispose()
            print(f"{entry:12} {sum(seen.values()):6} cases  " + "  ".join(f"{k} {v}" for k, v in sorted(seen.items())),
                  flush=True)
    total = collections.Counter()
    for seen in tally.values():
        total.update(seen)
    print(f"all          {sum(total.values()):6} cases  tracebacks {total['traceback']}  "
          f"partial writes {total['partial write']}  ({time.perf_counter() - started:.0f} s)")
    for t in first_tracebacks:
        print(t)
    return 1 if total["traceback"] or total["partial write"] else 0


if __name__ == "__main__":
    sys.exit(main())
