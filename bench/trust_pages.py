"""Print the server-side time of the Compare, Calibration and Labels pages' callbacks: first visit
and after.

Usage: `python bench/trust_pages.py [--visits 5]`. Builds the app over the shipped runs (as `python
-m
dashboard` does), then calls each page's layout and callbacks the way one page load does: the first
visit computes and caches (comparison, figures, suspects), the next visits are served from the
run entries. Goal: every page after its first visit <= 1 s (the browser's own rendering is
measured by bench/pages.py). Prints the load average, which inflates every figure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SECONDS = 1.0


def page_loads(service) -> dict:
    """One page load of each page: its layout and the callbacks that fire when it opens."""
    compare, calibration, labels = (
        importlib.import_module(f"dashboard.pages.{name}")
        for name in ("compare", "calibration", "labels")
    )
    first = service.default_run()
    second = service.best_other_run(first)
    return {
        "/compare": lambda: (
            compare.layout(),
            compare.show_comparison(first, second),
            compare.show_cell(None, first, second, "calibrated"),
        ),
        "/calibration": lambda: (
            calibration.layout(),
            calibration.show_calibration(first, "calibrated"),
        ),
        "/labels": lambda: (
            labels.layout(),
            labels.show_suspects("test", "any", "score", "all", 1, 0, first),
            labels.show_suspects("train", "any", "score", "all", 1, 0, first),
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Time each page's first and later loads and print them; 1 if a page misses the goal."""
    parser = argparse.ArgumentParser(
        prog="python bench/trust_pages.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args(argv)
    from dashboard.app import create_app
    from dashboard.service import current

    app = create_app()
    failed = False
    with app.server.app_context():
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'page':<13} {'first s':>8} {'after s':>8}  goal <= {GOAL_SECONDS} s")
        for path, load in page_loads(current()).items():
            start = time.perf_counter()
            load()
            cold = time.perf_counter() - start
            times = []
            for _ in range(args.visits):
                start = time.perf_counter()
                load()
                times.append(time.perf_counter() - start)
            warm = statistics.median(times)
            failed |= warm > GOAL_SECONDS
            print(
                f"{path:<13} {cold:>8.3f} {warm:>8.3f}  {'ok' if warm <= GOAL_SECONDS else 'SLOW'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
