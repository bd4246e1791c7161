"""Start the dashboard, time each page's first render in headless Chromium, and report the server's
memory.

Usage: `python bench/pages.py [--runs-dir DIR] [--run DIR] [--port 8071] [--visits 3]`

"First render" is from the browser's navigation start (a full page load) until every
page-specific element below is drawn and no Dash callback is pending. The first visit of each
page is "cold"; the median of the next visits is "warm". Goals: warm <= 1.5 s per page, server
RSS < 1.5 GiB (the server and its children, sampled after every visit; the peak is reported).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.chromium import browser  # noqa: E402
from tests.support.servers import dashboard  # noqa: E402

GOAL_SECONDS, GOAL_BYTES = 1.5, 1.5 * 2**30
READY = {  # path: elements drawn once the page shows its content
    "/": "#home-summary .stat",
    "/dataset": "#dataset-means .heatmaplayer, #dataset-spread .heatmaplayer, #dataset-gallery "
    "img, "
    "#dataset-projection .scatterlayer .point",
    "/training": "#training-curves .scatterlayer .trace, #training-overlay .scatterlayer .trace, "
    "#training-table tr",
    "/errors": "#errors-matrix .heatmaplayer, #errors-cell img, #errors-mistakes img, "
    "#errors-scores .bars",
    "/compare": "#compare-summary .verdict, #compare-intervals .scatterlayer .trace, "
    "#compare-gallery img, "
    "#compare-confusion .heatmaplayer, #compare-classes .bars",
    "/calibration": "#calibration-summary .stat, #calibration-reliability .bars, "
    "#calibration-histogram .bars",
    "/labels": "#labels-summary, #labels-gallery .suspect img",
}
READY_SCRIPT = """
const groups = arguments[0].split(', ');
const drawn = groups.every(selector => document.querySelector(selector));
const pending = document.querySelector('[data-dash-is-loading="true"]');
return drawn && !pending ? performance.now() : null;
"""


def first_render(driver, url: str, ready: str, timeout: float = 30.0) -> float:
    """Seconds from navigation start to the page's content drawn with no callback pending."""
    driver.get(url)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        stamp = driver.execute_script(READY_SCRIPT, ready)
        if stamp is not None:
            return stamp / 1000.0
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not render within {timeout} s")


def rss(process: psutil.Process) -> int:
    """Resident memory of `process` and its children, in bytes."""
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per page, then the memory."""
    parser = argparse.ArgumentParser(
        prog="python bench/pages.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--runs-dir", type=Path, default=None, help="runs to serve (default: the shipped runs/)"
    )
    parser.add_argument("--run", type=Path, default=None, help="preselected run directory")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument(
        "--visits", type=int, default=3, help="warm visits per page (median reported)"
    )
    args = parser.parse_args(argv)
    options = [
        *(["--runs-dir", str(args.runs_dir)] if args.runs_dir else []),
        *(["--run", str(args.run)] if args.run else []),
    ]
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as log_dir,
        dashboard(log_dir, *options, port=args.port) as (base, server),
    ):
        return measure_pages(
            base, psutil.Process(server.pid), time.perf_counter() - started, args.visits
        )


def measure_pages(base: str, process: psutil.Process, startup: float, visits: int) -> int:
    """Print each page's cold and warm first render, then the server's peak memory; 1 if a goal is
    missed."""
    peak, failed = 0, False
    driver = browser()
    try:
        print(f"server ready in {startup:.1f} s; RSS {rss(process) / 2**20:.0f} MiB")
        print(f"{'page':<10} {'cold s':>7} {'warm s':>7}  goal <= {GOAL_SECONDS} s")
        for path, ready in READY.items():
            url = f"{base}{path}"
            cold = first_render(driver, url, ready)
            warm = statistics.median(first_render(driver, url, ready) for _ in range(visits))
            peak = max(peak, rss(process))
            failed |= warm > GOAL_SECONDS
            print(
                f"{path:<10} {cold:>7.2f} {warm:>7.2f}  {'ok' if warm <= GOAL_SECONDS else 'SLOW'}"
            )
        failed |= peak >= GOAL_BYTES
        print(
            f"server peak RSS {peak / 2**20:.0f} MiB (goal < {GOAL_BYTES / 2**20:.0f} MiB): "
            f"{'ok' if peak < GOAL_BYTES else 'OVER'}"
        )
    finally:
        driver.quit()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
