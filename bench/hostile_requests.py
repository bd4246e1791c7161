"""Hostile requests against a real `python -m dashboard`: how long each takes to be refused and the
memory it costs.

Usage: `python bench/hostile_requests.py [--repeat 3]`. Starts `python -m dashboard` on a free port
over the shipped runs (a copy), then sends, over HTTP, what issue 10 measured: a PNG of 32000x32000
black pixels (about 1 MB; 1 GB once decoded) to the Draw page's upload, a 60 MB and a 500 MB request
body, the compare selector with 500,000 run names, and what issue 18 measured: 2.6 million `{}` in a
7.8 MB body (alone and 8 at once), a grid of 800 printed digits (a PNG of tens of KB) in number
mode, a 5000x5000 image of single-pixel dots, a 5000x5000 16-bit RGBA PNG (about 200 KB; 200 MB
decoded as stored) alone and 16 at once, each sent as the Draw page's upload callback sends it
(`--only WORDS` sends those whose name has WORDS; $HOSTILE_TIMEOUT caps the seconds an upload is
waited for). For each: the HTTP status (and, for uploads, what the page shows and the response's
size), the wall time, and the server's resident memory before and at its peak during the request
(sampled every 5 ms with psutil). Prints one line per request and the machine's load average.
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
from tests.support.images import bomb_png, data_url, digit_grid_png, dots_png  # noqa: E402
from tests.support.servers import app_env, dashboard  # noqa: E402

MB = 1024 * 1024
TIMEOUT = float(os.environ.get("HOSTILE_TIMEOUT", 600))  # seconds an upload may take to answer


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


BRACES = b'{"output": "x.y", "inputs": [' + b",".join([b"{}"] * 2_600_000) + b"]}"


def upload_sender(url: str, post: str, png: bytes, mode: str, at_once: int = 1):
    """A function posting the Draw page's upload callback with `png` in `mode`, `at_once` times
    in parallel; it returns the statuses and what the page would show."""
    upload = find_callback(requests.Session(), url, f"{ids.DRAW_PREDICTION}.children")
    body = upload.payload(
        {
            f"{ids.DRAW_UPLOAD}.contents": data_url(png, "image/png"),
            f"{ids.DRAW_MODE}.value": mode,
            f"{ids.RUN_SELECT}.value": RunStore(config.RUNS_DIR).default_name(),
        },
        f"{ids.DRAW_UPLOAD}.contents",
    )
    answers: list[str] = []

    def one() -> None:
        try:
            response = requests.post(post, json=body, timeout=TIMEOUT)
        except requests.Timeout:
            answers.append(f"no answer within {TIMEOUT} s")
            return
        shown = ""
        if response.ok:
            shown = str(response.json()["response"][ids.DRAW_PREDICTION]["children"])[:60]
        answers.append(f"{response.status_code} {shown} ({len(response.content) / 1024:.0f} KB)")

    def send() -> str:
        answers.clear()
        threads = [threading.Thread(target=one) for _ in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return "; ".join(f"{answers.count(a)}x {a}" for a in sorted(set(answers)))

    return send


def body_sender(post: str, body: bytes, at_once: int = 1):
    """A function posting the JSON text `body` `at_once` times in parallel; it returns the
    statuses."""
    statuses: list[int] = []

    def one() -> None:
        response = requests.post(
            post, data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
        statuses.append(response.status_code)

    def send() -> str:
        statuses.clear()
        threads = [threading.Thread(target=one) for _ in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return "; ".join(f"{statuses.count(s)}x {s}" for s in sorted(set(statuses)))

    return send


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
    grid, dots = digit_grid_png(), dots_png(5000)
    rgba16 = bomb_png(5000, bit_depth=16, rgba=True)
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
        f"grid of 800 printed digits ({len(grid) / 1024:.0f} KB PNG), number mode": upload_sender(
            url, post, grid, "number"
        ),
        f"5000x5000 single-pixel dots ({len(dots) / 1024:.0f} KB PNG), number mode": (
            upload_sender(url, post, dots, "number")
        ),
        f"16-bit RGBA 5000x5000 ({len(rgba16) / 1024:.0f} KB PNG)": upload_sender(
            url, post, rgba16, "digit"
        ),
        "16-bit RGBA 5000x5000, 16 at once": upload_sender(url, post, rgba16, "digit", 16),
        "grid of 800 printed digits, number mode, 16 at once": upload_sender(
            url, post, grid, "number", 16
        ),
        f"bomb PNG 32000x32000 ({len(bomb) / MB:.1f} MB as a data URL)": lambda: (
            session.post(post, json=bomb_body, timeout=600).status_code
        ),
        "2.6 million {} (7.8 MB body)": body_sender(post, BRACES),
        "2.6 million {} (7.8 MB body), 8 at once": body_sender(post, BRACES, 8),
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
    parser.add_argument("--only", default="", help="send only the requests whose name has this")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        runs = shutil.copytree(config.RUNS_DIR, Path(directory) / "runs")
        with dashboard(Path(directory), "--runs-dir", str(runs), env=app_env(runs)) as (
            url,
            server,
        ):
            process = psutil.Process(server.pid)
            for name, send in requests_to_send(url).items():
                if args.only not in name:
                    continue
                for _ in range(args.repeat):
                    status, seconds, rss, extra = measured(process, send)
                    print(
                        f"{name}: {status if isinstance(status, str) else f'HTTP {status}'} in "
                        f"{seconds:.3f} s; server RSS {rss:.0f} MB, "
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
