"""The nginx configuration rendered by dashboard/proxy.py: the app's body cap, the timeouts, and
clear errors for bad arguments (the servers test runs it under nginx for real)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.drawing.upload import MAX_BODY_BYTES
from dashboard.hardening import HEADERS
from dashboard.proxy import render


def test_the_configuration_carries_the_body_cap_timeouts_and_addresses(tmp_path: Path):
    text = render("0.0.0.0:8050", "127.0.0.1:8051", tmp_path, header_timeout=7, body_timeout=9)
    assert f"client_max_body_size {MAX_BODY_BYTES};" in text
    assert "client_header_timeout 7s;" in text and "client_body_timeout 9s;" in text
    assert "listen 0.0.0.0:8050;" in text and "server 127.0.0.1:8051;" in text
    assert f"pid {tmp_path}/nginx.pid;" in text
    assert set(re.findall(r"\$\w+", text)) == {"$host", "$remote_addr"}  # nginx's own variables


@pytest.mark.parametrize(
    ("directory", "timeouts", "message"),
    [
        (Path("relative"), {}, "directory must be an absolute path"),
        (Path("/tmp/x"), {"header_timeout": 0}, "header_timeout must be at least 1"),
        (Path("/tmp/x"), {"body_timeout": -1}, "body_timeout must be at least 1"),
    ],
)
def test_bad_arguments_are_named(directory: Path, timeouts: dict, message: str):
    with pytest.raises(ValueError, match=message):
        render("0.0.0.0:8050", "127.0.0.1:8051", directory, **timeouts)


def test_the_proxy_puts_the_apps_security_headers_on_every_answer(tmp_path):
    text = render("0.0.0.0:8050", "127.0.0.1:8051", tmp_path)
    for name, value in HEADERS.items():
        assert f"proxy_hide_header {name};" in text
        assert f'add_header {name} "{value}" always;' in text
