"""`python -m dashboard` as a real process: it serves its pages, and `--debug` starts (no
self-request at build)."""

from __future__ import annotations

import requests

from tests.support.constants import RUN_NAMES
from tests.support.servers import dashboard


def test_debug_mode_starts_and_serves_pages_and_callbacks(tmp_path):
    with dashboard(tmp_path, "--debug") as (url, process):
        assert requests.get(f"{url}/draw", timeout=30).status_code == 200
        dependencies = requests.get(f"{url}/_dash-dependencies", timeout=30)
        assert dependencies.ok and len(dependencies.json()) > 20
        assert requests.get(
            f"{url}/_reload-hash", timeout=30
        ).ok  # a dev-tools route: debug mode is on
        assert process.poll() is None
    assert "AssertionError" not in (tmp_path / "dashboard.log").read_text()


def test_python_m_dashboard_serves_the_pages(runs_dir, tmp_path):
    with dashboard(tmp_path, "--runs-dir", str(runs_dir)) as (url, _):
        for path in ("/", "/dataset", "/training", "/errors", "/draw"):
            response = requests.get(f"{url}{path}", timeout=60)
            assert response.status_code == 200 and "MNIST Explorer" in response.text
    assert f"model {RUN_NAMES[0]} of 2 runs" in (tmp_path / "dashboard.log").read_text()
