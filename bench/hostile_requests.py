"""Hostile requests against a real `python -m dashboard`: how long each takes to be refused and the
memory it costs.

Usage: `python bench/hostile_requests.py [--repeat 3]`. Starts `python -m dashboard` on a free port
over the shipped runs (a copy), then sends, over HTTP, what issue 10 measured: a PNG of 32000x32000
black pixels (about 1 MB; 1 GB once decoded) to the Draw page's upload, a 60 MB and a 500 MB
request body, and the compare selector with 500,000 run names. For each: the HTTP status, the
wall time, and the server's resident memory before and at its peak during the request (sampled
every 5 ms with psutil). Prints one line per request and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ids  # noqa: E402
from model import config  # noqa: E402
from model.core.runs import RunStore  # noqa: E402
from tests.support.dash_client import find_callback  # noqa: E402
from tests.support.images import bomb_png, data_url  # noqa: E402
from tests.support.servers import app_env, dashboard  # noqa: E402

MB = 1024 * 1024


def measured(process: psutil.Process, send) -> tuple[int | str, float, float, float]:
    """(status, seconds, RSS before in MB, peak extra RSS in MB) of `send()`, sampling `process`
    meanwhile."""
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    status = send()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return status, seconds, before / MB, (peak[0] - before) / MB


def requests_to_send(url: str) -> dict:
    """The hostile requests by name, each a function returning the HTTP status."""
    session = requests.Session()
    upload = find_callback(session, url, f"{ids.DRAW_PREDICTION}.children")
    bomb = data_url(bomb_png(32_000), "image/png")
    bomb_body = upload.payload(
        {
            f"{ids.DRAW_UPLOAD}.contents": bomb,
            f"{ids.DRAW_MODE}.value": "digit",
            f"{ids.RUN_SELECT}.value": RunStore(config.RUNS_DIR).default_name(),
        },
        f"{ids.DRAW_UPLOAD}.contents",
    )
    overlay = find_callback(session, url, f"{ids.TRAINING_OVERLAY}.figure")
    names = overlay.payload(
        {f"{ids.TRAINING_COMPARE}.value": [f"run-{n}" for n in range(500_000)]},
        f"{ids.TRAINING_COMPARE}.value",
    )
    post = f"{url}/_dash-update-component"
    json_headers = {"Content-Type": "application/json"}

    def raw(size: int):
        def send() -> int | str:
            try:
                return session.post(
                    post, data=b" " * size, headers=json_headers, timeout=600
                ).status_code
            except (
                requests.ConnectionError
            ):  # refused before the body was read: the server closed the connection
                return "connection closed by the server while the body was sent"

        return send

    return {
        f"bomb PNG 32000x32000 ({len(bomb) / MB:.1f} MB as a data URL)": lambda: (
            session.post(post, json=bomb_body, timeout=600).status_code
        ),
        "60 MB JSON body": raw(60 * MB),
        "500 MB body": raw(500 * MB),
        "compare selector with 500,000 names": lambda: (
            session.post(post, json=names, timeout=600).status_code
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Start the server, send each hostile request `--repeat` times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        runs = shutil.copytree(config.RUNS_DIR, Path(directory) / "runs")
        with dashboard(Path(directory), "--runs-dir", str(runs), env=app_env(runs)) as (
            url,
            server,
        ):
            process = psutil.Process(server.pid)
            for name, send in requests_to_send(url).items():
                for _ in range(args.repeat):
                    status, seconds, rss, extra = measured(process, send)
                    print(
                        f"{name}: HTTP {status} in {seconds:.3f} s; server RSS {rss:.0f} MB, "
                        f"peak extra {extra:.1f} MB",
                        flush=True,
                    )
    print(
        f"load average: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} "
        "cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
