"""Load test: concurrent clients send the Draw page's prediction callback to a server on 127.0.0.1.

Usage: `python bench/load.py [--url http://127.0.0.1:8050] [--clients 20] [--requests 50]
[--workers 2] [--threads 4] [--max-seconds 600]`.
Without --url it starts `gunicorn dashboard.wsgi:server` (--workers, --threads) on a free port
over the runs in $MNIST_RUNS (default runs/) and stops it at the end; --url must be on this machine.
Each client is a thread with its own connection that posts, one after the other, the request the
Draw page sends after a stroke (POST /_dash-update-component: the canvas's strokes as JSON, one
of several hand-drawn digits) and checks that the answer names a digit (sure or best guess). Every
request has a
timeout and the whole run stops after --max-seconds. Prints the errors and the latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import config  # noqa: E402
from tests.support.load import run_load  # noqa: E402
from tests.support.servers import app_env, gunicorn  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the load on the given or a started server and print the figures; 1 if any request
    failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on this machine (default: start gunicorn)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, without --url")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker, without --url"
    )
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None:
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-load-")))
            url = stack.enter_context(
                gunicorn(app_env(config.RUNS_DIR), logs, workers=args.workers, threads=args.threads)
            )
            print(
                f"started gunicorn -w {args.workers} --threads {args.threads} at {url}", flush=True
            )
        result = run_load(
            url,
            clients=args.clients,
            requests_per_client=args.requests,
            max_seconds=args.max_seconds,
        )
    for error in result.errors[:20]:
        print(f"error: {error}")
    done = len(result.latencies)
    print(
        f"{args.clients} clients x {args.requests} draw-prediction requests: {done} answered, "
        f"{len(result.errors)} errors in {result.seconds:.1f} s "
        f"({done / max(result.seconds, 1e-9):.0f} requests/s); "
        f"latency p50 {result.percentile(50):.1f} ms, p99 {result.percentile(99):.1f} ms, "
        f"max {max(result.latencies, default=float('nan')):.1f} ms"
    )
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
