"""The production setup holds slow clients: gunicorn -w 2 --threads 4 behind nginx
(dashboard/proxy.py, deploy/nginx.conf.template), real processes on free ports.

Slow clients (tests/support/slow_clients.py) send their header or body a byte at a time; nginx
holds them and closes them after its timeouts (2 s here), while normal requests reach gunicorn
whole. bench/slow_clients.py measures the latencies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests

from dashboard import ids
from dashboard.drawing.upload import MAX_BODY_BYTES
from dashboard.hardening import HEADERS, PROXIED_FOR_HEADER
from tests.support.dash_client import UPDATE, find_callback
from tests.support.servers import app_env, gunicorn, nginx
from tests.support.slow_clients import slow_clients
from tests.support.waiting import until

pytestmark = pytest.mark.servers
TIMEOUT = 2  # nginx's header and body timeouts in these tests, in seconds


@pytest.fixture(scope="module")
def stack(runs_dir: Path, tmp_path_factory):
    """gunicorn -w 2 --threads 4 behind nginx over a copy of the tiny runs; yields nginx's URL,
    gunicorn's URL and the log directory."""
    root = tmp_path_factory.mktemp("slow")
    runs = shutil.copytree(runs_dir, root / "runs")
    env = {**app_env(runs), "MNIST_ADMIN_TOKEN": "s3cret-token"}
    with (
        gunicorn(env, root, workers=2, threads=4) as upstream,
        nginx(upstream, root, header_timeout=TIMEOUT, body_timeout=TIMEOUT) as url,
    ):
        yield url, upstream, root


def _name_check(session: requests.Session, url: str) -> int:
    check = find_callback(session, url, f"{ids.TRAIN_NAME_CHECK}.children")
    body = check.payload({f"{ids.TRAIN_NAME}.value": "free"}, f"{ids.TRAIN_NAME}.value")
    return session.post(f"{url}{UPDATE}", json=body, timeout=60).status_code


def test_normal_requests_are_answered_while_64_slow_connections_are_open(stack):
    url, _, logs = stack
    # A byte every 3 s: slower than the body timeout, and headers never end within theirs
    with slow_clients(url, 64, every=3, reopen=True) as clients, requests.Session() as session:
        assert clients.open == 64
        for _ in range(4):
            assert session.get(f"{url}/", timeout=60).status_code == 200
            assert _name_check(session, url) == 200
        assert clients.open == 64  # still held (or replaced) while the requests were answered
        until(lambda: clients.closed >= 64, 60, what="the server closing 64 slow connections")
    timed_out = (logs / "nginx" / "access.log").read_text().count('" 408 ')
    assert timed_out >= 64  # nginx ended them with 408 Request Timeout


def test_the_proxy_refuses_bodies_over_the_cap_and_keeps_the_host_check(stack):
    url, _, _ = stack
    too_large = requests.post(f"{url}{UPDATE}", data=b"x" * (MAX_BODY_BYTES + 1), timeout=60)
    assert too_large.status_code == 413
    spoofed = requests.get(f"{url}/", headers={"Host": "attacker.example"}, timeout=60)
    assert spoofed.status_code == 400
    page = requests.get(f"{url}/", timeout=60)
    for answer in (too_large, spoofed, page):  # nginx's own 413 too; each header once
        assert {name: answer.headers.get(name) for name in HEADERS} == HEADERS


def test_a_request_the_proxy_marks_as_remote_needs_the_admin_token(stack):
    _, upstream, _ = stack
    with requests.Session() as session:
        session.headers[PROXIED_FOR_HEADER] = "203.0.113.7"
        change = find_callback(session, upstream, f"{ids.TRAIN_MANAGE_MESSAGE}.children")
        body = change.payload(
            {
                f"{ids.TRAIN_RENAME}.n_clicks": 1,
                f"{ids.RUN_SELECT}.value": "baseline",
                f"{ids.TRAIN_RENAME_NAME}.value": "renamed",
            },
            f"{ids.TRAIN_RENAME}.n_clicks",
        )
        answer = session.post(f"{upstream}{UPDATE}", json=body, timeout=120)
    assert "needs the admin token" in json.dumps(answer.json()["response"])
