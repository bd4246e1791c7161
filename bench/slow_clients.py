"""Slow clients against the production setup: latency of normal requests with and without 64
connections that send their header or body a byte at a time.

Usage: `python bench/slow_clients.py [--setup nginx|gunicorn|both] [--slow 64] [--seconds 30]
[--timeout 10]`.
Starts the README's production setup for real over the runs in $MNIST_RUNS (default runs/):
`nginx` is gunicorn -w 2 --threads 4 behind nginx (dashboard/proxy.py), `gunicorn` the same
gunicorn alone (the setup before). One client sends normal requests one after the other, GET / and
the Train page's name check (a callback POST), first alone, then while --slow slow connections are
held open (tests/support/slow_clients.py: a byte a second; one the server closes is replaced).
Each phase lasts --seconds; a request not answered within --timeout counts as failed.
Prints p50/p99/max latency and the failures of each phase.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ids  # noqa: E402
from model import config  # noqa: E402
from tests.support.dash_client import UPDATE, find_callback  # noqa: E402
from tests.support.servers import app_env, gunicorn, production  # noqa: E402
from tests.support.slow_clients import slow_clients  # noqa: E402


def name_check(url: str) -> dict:
    """The body of the Train page's name check callback."""
    with requests.Session() as session:
        check = find_callback(session, url, f"{ids.TRAIN_NAME_CHECK}.children")
    return check.payload({f"{ids.TRAIN_NAME}.value": "bench"}, f"{ids.TRAIN_NAME}.value")


def normal_requests(url: str, body: dict, seconds: float, timeout: float) -> tuple[list, int]:
    """Latencies (s) of the normal requests (GET /, the callback POST `body`) sent one after the
    other for `seconds`, and how many failed."""
    latencies, failed, number, end = [], 0, 0, time.monotonic() + seconds
    while (start := time.monotonic()) < end:
        number += 1
        try:
            if number % 2:
                answer = requests.post(f"{url}{UPDATE}", json=body, timeout=timeout)
            else:
                answer = requests.get(f"{url}/", timeout=timeout)
            answer.raise_for_status()
            latencies.append(time.monotonic() - start)
        except requests.RequestException:
            failed += 1
    return latencies, failed


def report(label: str, latencies: list, failed: int) -> None:
    """Print one phase's figures."""
    ms = np.array(latencies or [np.nan]) * 1000
    print(
        f"{label}: {len(latencies)} answered, {failed} failed; p50 {np.percentile(ms, 50):.0f} ms, "
        f"p99 {np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms",
        flush=True,
    )


def measure(setup: str, args: argparse.Namespace) -> None:
    """Start `setup` and print its figures without and with the slow clients."""
    with contextlib.ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-slow-")))
        env = app_env(config.RUNS_DIR)
        server = production(env, logs) if setup == "nginx" else gunicorn(env, logs, threads=4)
        url = stack.enter_context(server)
        print(f"{setup}: started at {url}", flush=True)
        phase = (url, name_check(url), args.seconds, args.timeout)
        normal_requests(url, phase[1], 5, args.timeout)  # warm-up: the first answers build caches
        report(f"{setup}, no slow clients", *normal_requests(*phase))
        with slow_clients(url, args.slow, reopen=True) as clients:
            latencies, failed = normal_requests(*phase)
            held = clients.open
        report(f"{setup}, {args.slow} slow clients", latencies, failed)
        print(
            f"  slow connections: {clients.opened} opened, {clients.closed} closed by the server,"
        )
        print(f"  {held} open at the end of the phase", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Measure the chosen setups."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=("nginx", "gunicorn", "both"), default="both")
    parser.add_argument("--slow", type=int, default=64, help="slow connections held open")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of each phase")
    parser.add_argument("--timeout", type=float, default=10, help="seconds for one request")
    args = parser.parse_args(argv)
    for setup in ("gunicorn", "nginx") if args.setup == "both" else (args.setup,):
        measure(setup, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
