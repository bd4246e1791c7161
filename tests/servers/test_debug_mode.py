"""`python -m dashboard --debug` starts (the app is built without serving itself a request) and serves its pages."""

from __future__ import annotations

import requests

from tests.support.servers import dashboard


def test_debug_mode_starts_and_serves_pages_and_callbacks(tmp_path):
    with dashboard(tmp_path, "--debug") as (url, process):
        assert requests.get(f"{url}/draw", timeout=30).status_code == 200
        dependencies = requests.get(f"{url}/_dash-dependencies", timeout=30)
        assert dependencies.ok and len(dependencies.json()) > 20
        assert requests.get(f"{url}/_reload-hash", timeout=30).ok  # a dev-tools route: debug mode is on
        assert process.poll() is None
    assert "AssertionError" not in (tmp_path / "dashboard.log").read_text()
