"""A load of Draw-page prediction requests on a running server, from many client threads (tests and
bench/load.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np
import requests

from dashboard import ids
from dashboard.drawing import canvas
from tests.support.dash_client import UPDATE, find_callback, layout_value
from tests.support.drawing import DIGIT_STROKES
from tests.support.sketch import sketch_json

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
    """The Draw page's stroke request for each hand-drawn digit, for the server's preselected
    model."""
    reading = find_callback(session, base_url, f"{ids.DRAW_PREDICTION}.children")
    run_name = layout_value(session, base_url, ids.RUN_SELECT, "value")
    background = canvas.blank_backgrounds()[0]
    return [
        reading.payload(
            {
                f"{ids.DRAW_CANVAS}.trigger": number + 1,
                f"{ids.DRAW_CANVAS}.json_data": sketch_json(digit),
                f"{ids.DRAW_CLEAR}.n_clicks": 0,
                f"{ids.DRAW_MODE}.value": "digit",
                f"{ids.RUN_SELECT}.value": run_name,
                f"{ids.DRAW_SOURCE}.data": "canvas",
                f"{ids.DRAW_CANVAS}.image_content": background,
            },
            f"{ids.DRAW_CANVAS}.trigger",
        )
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


def run_load(
    base_url: str, *, clients: int, requests_per_client: int, max_seconds: float = 600
) -> LoadResult:
    """`clients` threads each send `requests_per_client` stroke requests (fewer if `max_seconds`
    runs out)."""
    host = urlparse(base_url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(
            f"url must be on this machine ({', '.join(LOCAL_HOSTS)}), got {base_url!r}"
        )
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
                    problem = _problem(
                        session.post(f"{base_url}{UPDATE}", json=body, timeout=REQUEST_SECONDS)
                    )
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
