"""The HTTP surface of a real `python -m dashboard`, bound to all interfaces with an admin token,
over real HTTP.

Host allow-list, security headers, bad static paths, version strings, debug-only routes, the body
cap, nested JSON, hostile images (a decompression bomb, NaN pixels), a huge list input, and the
admin token for the actions that change things (read-only pages stay open).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from dashboard import ids
from dashboard.__main__ import open_url, token_warning
from dashboard.drawing.upload import MAX_BODY_BYTES
from dashboard.hardening import ADMIN_COOKIE, HEADERS
from dashboard.settings import Settings
from model import config
from tests.support.dash_client import find_callback
from tests.support.images import bomb_png, data_url, digit_grid_png, nan_tiff
from tests.support.servers import app_env, dashboard
from tests.support.waiting import until

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def server(runs_dir: Path, tmp_path_factory):
    """A server on 0.0.0.0 (so changes need the token) over a copy of the tiny runs plus a spare
    one."""
    root = tmp_path_factory.mktemp("surface")
    runs = shutil.copytree(runs_dir, root / "runs")
    shutil.copytree(runs / "baseline", runs / "spare")
    with dashboard(
        root,
        "--host",
        "0.0.0.0",
        "--admin-token",
        TOKEN,
        "--allowed-host",
        "explorer.example",
        "--runs-dir",
        str(runs),
        env=app_env(runs),
    ) as (url, _):
        yield url, runs, root


def raw_get(url: str, path: str, host: str | None = None) -> tuple[int, dict, bytes]:
    """GET `path` exactly as written (no client-side normalization of `..`), with an optional Host
    header."""
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_host_allow_list(server):
    url, _, _ = server
    assert raw_get(url, "/", host="evil.example")[0] == 400
    assert raw_get(url, "/_dash-layout", host="evil.example:8050")[0] == 400
    for host in ("localhost", "127.0.0.1:1234", "explorer.example", "[::1]:80"):
        assert raw_get(url, "/_dash-layout", host=host)[0] == 200, host


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/draw",
        "/_dash-layout",
        "/_dash-dependencies",
        "/assets/style.css",
        "/nowhere",
        "/_dash-component-suites/../../etc/passwd",
    ],
)
def test_every_response_has_the_security_headers_and_no_versions(server, path):
    url, _, _ = server
    status, headers, body = raw_get(url, path)
    assert status < 500
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (path, name)
    assert "Werkzeug" not in headers.get("Server", "") and "Python" not in headers.get("Server", "")
    assert b"python_version" not in body and b"Python 3" not in body


def test_bad_static_paths_and_debug_routes_answer_404(server):
    url, _, _ = server
    for path in (
        "/_dash-component-suites/../..",
        "/_dash-component-suites/dash/../../../etc/passwd",
        "/_dash-component-suites/%2e%2e/%2e%2e/x",
        "/_reload-hash",
    ):
        assert raw_get(url, path)[0] == 404, path


def test_request_bodies_are_capped_and_deep_json_refused(server):
    url, _, _ = server
    too_large = requests.post(
        f"{url}/_dash-update-component",
        data=b"[" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert too_large.status_code == 413 and "the limit is" in too_large.text
    chunks = (b" " * 100_000 for _ in range(MAX_BODY_BYTES // 100_000 + 1))  # sent chunked
    chunked = requests.post(
        f"{url}/_dash-update-component",
        data=chunks,
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert chunked.status_code == 413 and "(chunked); the limit is" in chunked.text
    deep = requests.post(
        f"{url}/_dash-update-component",
        data=b"[" * 50_000 + b"]" * 50_000,
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert deep.status_code == 400 and "levels deep" in deep.text


def _draw_upload(url: str, contents: str, mode: str = "digit") -> dict:
    with requests.Session() as session:
        reading = find_callback(session, url, f"{ids.DRAW_PREDICTION}.children")
        body = reading.payload(
            {
                f"{ids.DRAW_UPLOAD}.contents": contents,
                f"{ids.DRAW_MODE}.value": mode,
                f"{ids.RUN_SELECT}.value": "convnet",
                f"{ids.DRAW_SOURCE}.data": "canvas",
            },
            f"{ids.DRAW_UPLOAD}.contents",
        )
        answer = session.post(f"{url}/_dash-update-component", json=body, timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["response"]


def test_a_decompression_bomb_is_refused_from_its_header(server):
    url, _, _ = server
    response = _draw_upload(url, data_url(bomb_png(bit_depth=1), "image/png"))
    assert response[ids.DRAW_PREDICTION]["children"] == "Cannot read the upload"
    assert response[ids.DRAW_MESSAGE]["children"].startswith("The image is too large")
    assert response[ids.DRAW_READ]["data"] is None  # the old reading is cleared


def test_a_grid_of_800_printed_digits_in_number_mode_is_too_many_parts(server):
    url, _, _ = server
    response = _draw_upload(url, data_url(digit_grid_png(), "image/png"), "number")
    assert response[ids.DRAW_PREDICTION]["children"] == "Too many marks in the upload"
    assert f"at most {config.MAX_PARTS} digits" in response[ids.DRAW_MESSAGE]["children"]
    assert response[ids.DRAW_READ]["data"] is None  # no part was read, nothing kept


def test_a_tiff_with_nan_pixels_is_refused_and_the_reading_cleared(server):
    url, _, _ = server
    response = _draw_upload(url, data_url(nan_tiff(), "image/tiff"))
    assert "not numbers (NaN or infinite)" in response[ids.DRAW_MESSAGE]["children"]
    assert response[ids.DRAW_READ]["data"] is None and response[ids.DRAW_BARS]["children"]


def test_a_huge_list_input_is_refused_without_work(server):
    url, _, _ = server
    with requests.Session() as session:
        overlay = find_callback(session, url, f"{ids.TRAINING_OVERLAY}.figure")
        names = [f"run-{number}" for number in range(500_000)]
        body = overlay.payload(
            {f"{ids.TRAINING_COMPARE}.value": names}, f"{ids.TRAINING_COMPARE}.value"
        )
        assert (
            session.post(f"{url}/_dash-update-component", json=body, timeout=120).status_code == 204
        )
        body = overlay.payload(
            {f"{ids.TRAINING_COMPARE}.value": ["convnet"]}, f"{ids.TRAINING_COMPARE}.value"
        )
        assert (
            session.post(f"{url}/_dash-update-component", json=body, timeout=120).status_code == 200
        )


def _rename(session: requests.Session, url: str, run: str, new: str) -> str:
    change = find_callback(session, url, f"{ids.TRAIN_MANAGE_MESSAGE}.children")
    body = change.payload(
        {
            f"{ids.TRAIN_RENAME}.n_clicks": 1,
            f"{ids.RUN_SELECT}.value": run,
            f"{ids.TRAIN_RENAME_NAME}.value": new,
        },
        f"{ids.TRAIN_RENAME}.n_clicks",
    )
    answer = session.post(f"{url}/_dash-update-component", json=body, timeout=120)
    return json.dumps(answer.json()["response"][ids.TRAIN_MANAGE_MESSAGE])


def test_changes_need_the_admin_token_when_open_to_the_network(server):
    url, runs, _ = server
    with requests.Session() as visitor:
        assert (
            visitor.get(f"{url}/train", timeout=60).status_code == 200
        )  # read-only pages stay open
        assert "needs the admin token" in _rename(visitor, url, "spare", "renamed")
        assert (runs / "spare").is_dir()
    with requests.Session() as admin:
        page = admin.get(f"{url}/train", params={"admin_token": TOKEN, "run": "x"}, timeout=60)
        cookie = page.history[0].headers["Set-Cookie"]
        assert ADMIN_COOKIE in cookie and "HttpOnly" in cookie
        assert page.status_code == 200 and page.url == f"{url}/train?run=x"  # the token is gone
        assert "Renamed spare to renamed" in _rename(admin, url, "spare", "renamed")
    assert (runs / "renamed").is_dir() and not (runs / "spare").exists()


def test_a_server_open_to_the_network_prints_an_address_that_answers(server):
    url, _, root = server
    printed = until(
        lambda: re.search(r"open (http://\S+)", (root / "dashboard.log").read_text()), 30
    )
    assert printed.group(1) == f"{url}/" and requests.get(printed.group(1), timeout=60).ok
    without_token = Settings(host="0.0.0.0", admin_token=None)
    assert "--admin-token" in token_warning(without_token)
    assert token_warning(replace(without_token, admin_token="t")) is None
    assert token_warning(Settings(host="127.0.0.1", admin_token=None)) is None
    assert open_url("::", 8065) == "http://[::1]:8065/"
    assert open_url("10.1.2.3", 80) == "http://10.1.2.3:80/"


def test_the_admin_token_is_masked_in_the_access_log(server):
    url, _, root = server
    answer = requests.get(f"{url}/?admin_token={TOKEN}&a=1", allow_redirects=False, timeout=60)
    assert answer.status_code == 303 and answer.headers["Location"] == "/?a=1"
    log = root / "dashboard.log"
    until(lambda: "admin_token=***&a=1" in log.read_text(), 30, what="the masked request line")
    assert TOKEN not in log.read_text()


def test_the_servers_own_errors_carry_the_security_headers(server):
    url, _, _ = server
    parts = urlparse(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as connection:
        connection.sendall(b"GET / HTTP/1.x\r\n\r\n")  # a bad version: werkzeug answers it itself
        answer = connection.recv(65536).decode("latin-1")
    head = answer.split("\r\n\r\n", 1)[0]
    assert head.split()[1] == "400", head
    for name, value in HEADERS.items():
        assert f"{name}: {value}" in head, head
