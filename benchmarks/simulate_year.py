"""Times `anquan simulate YEAR` (a whole year of the sample county, day by day). Target: under 60 s.

Run: .venv/bin/python benchmarks/simulate_year.py [--year 2026] [--seed 2026]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from anquan.simulation import simulate
from anquan.models.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        summary = simulate(year=args.year, out=Path(tmp) / "sim", seed=args.seed, base=load_settings(data_dir=Path(tmp) / "data"))
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"simulate {args.year} (seed {args.seed}): {seconds:.1f} s for {summary['days']} days, "
          f"{summary['mail']['total']} mails, obligations {summary['obligations']}; peak RSS {peak:.0f} MiB; "
          f"target < 60 s: {'met' if seconds < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
