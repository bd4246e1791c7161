"""Load test: concurrent clients send the Draw page's prediction callback to a server on 127.0.0.1.

Usage: `python bench/load.py [--url http://127.0.0.1:8050] [--clients 20] [--requests 50]
[--workers 2] [--threads 4] [--max-seconds 600]`.
Without --url it starts `gunicorn dashboard.wsgi:server` (--workers, --threads) on a free port
over the runs in $MNIST_RUNS (default runs/) and stops it at the end; --url must be on this machine.
Each client is a thread with its own connection that posts, one after the other, the request the
Draw page sends after a stroke (POST /_dash-update-component: the canvas's strokes as JSON, one
of several hand-drawn digits) and checks that the answer names a digit (sure or best guess). Every request has a
timeout and the whole run stops after --max-seconds. Prints the errors and the latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dash_client import UPDATE, find_callback, layout_value  # noqa: E402
from drawing import DIGIT_STROKES  # noqa: E402
from servers import app_env, gunicorn  # noqa: E402
from sketch import sketch_json  # noqa: E402

from dashboard import canvas, ids  # noqa: E402
from model import config  # noqa: E402

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
REQUEST_SECONDS = 60


@dataclass
class LoadResult:
    """Latencies of the answered requests (ms), and one line per failed request."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latencies in ms (nan if none)."""
        return float(np.percentile(self.latencies, q)) if self.latencies else float("nan")


def draw_bodies(session: requests.Session, base_url: str) -> list[dict]:
    """The Draw page's stroke request for each hand-drawn digit, for the server's preselected model."""
    reading = find_callback(session, base_url, f"{ids.DRAW_PREDICTION}.children")
    run_name = layout_value(session, base_url, ids.RUN_SELECT, "value")
    background = canvas.blank_backgrounds()[0]
    return [
        reading.payload({
            f"{ids.DRAW_CANVAS}.trigger": number + 1, f"{ids.DRAW_CANVAS}.json_data": sketch_json(digit),
            f"{ids.DRAW_CLEAR}.n_clicks": 0, f"{ids.DRAW_MODE}.value": "digit", f"{ids.RUN_SELECT}.value": run_name,
            f"{ids.DRAW_SOURCE}.data": "canvas", f"{ids.DRAW_CANVAS}.image_content": background,
        }, f"{ids.DRAW_CANVAS}.trigger")
        for number, digit in enumerate(sorted(DIGIT_STROKES))
    ]


def _problem(response: requests.Response) -> str | None:
    """What is wrong with a prediction response, or None if it reads a digit."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    answer = response.json().get("response", {})
    text = answer.get(ids.DRAW_PREDICTION, {}).get("children")
    message = answer.get(ids.DRAW_MESSAGE, {}).get("children")
    if not isinstance(text, str) or not any(character.isdigit() for character in text) or message:
        return f"no digit read: {str(text)[:100]} {str(message)[:100]}"
    return None


def run_load(base_url: str, *, clients: int, requests_per_client: int, max_seconds: float = 600) -> LoadResult:
    """`clients` threads each send `requests_per_client` stroke requests (fewer if `max_seconds` runs out)."""
    host = urlparse(base_url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"url must be on this machine ({', '.join(LOCAL_HOSTS)}), got {base_url!r}")
    with requests.Session() as session:
        bodies = draw_bodies(session, base_url)
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def client(number: int) -> None:
        with requests.Session() as session:
            for request in range(requests_per_client):
                if time.monotonic() > deadline:
                    return
                body = bodies[(number + request) % len(bodies)]
                start = time.perf_counter()
                try:
                    problem = _problem(session.post(f"{base_url}{UPDATE}", json=body, timeout=REQUEST_SECONDS))
                except requests.RequestException as error:
                    problem = f"{type(error).__name__}: {error}"
                elapsed = (time.perf_counter() - start) * 1e3
                with lock:
                    if problem:
                        result.errors.append(f"client {number} request {request}: {problem}")
                    else:
                        result.latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the load on the given or a started server and print the figures; 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on this machine (default: start gunicorn)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, without --url")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker, without --url")
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None:
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-load-")))
            url = stack.enter_context(gunicorn(app_env(config.RUNS_DIR), logs, workers=args.workers,
                                               threads=args.threads))
            print(f"started gunicorn -w {args.workers} --threads {args.threads} at {url}", flush=True)
        result = run_load(url, clients=args.clients, requests_per_client=args.requests, max_seconds=args.max_seconds)
    for error in result.errors[:20]:
        print(f"error: {error}")
    done = len(result.latencies)
    print(f"{args.clients} clients x {args.requests} draw-prediction requests: {done} answered, "
          f"{len(result.errors)} errors in {result.seconds:.1f} s ({done / max(result.seconds, 1e-9):.0f} requests/s); "
          f"latency p50 {result.percentile(50):.1f} ms, p99 {result.percentile(99):.1f} ms, "
          f"max {max(result.latencies, default=float('nan')):.1f} ms")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
