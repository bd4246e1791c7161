"""Fixtures of the dashboard tests: settings and fresh apps over the session's tiny runs (tests/conftest.py).

Browser tests run in Debian's headless Chromium: `pytest tests/dashboard --headless`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from dashboard.settings import Settings

CHROMIUM = "/usr/bin/chromium"
RUN_NAMES = ("baseline", "convnet")  # the tiny runs of the `runs_dir` fixture in tests/conftest.py
PROJECTION_SIZE = 300


def pytest_setup_options() -> Options:
    """Chromium flags for dash_duo: it runs as root, headless, without GPU or network chatter."""
    options = Options()
    if Path(CHROMIUM).exists():
        options.binary_location = CHROMIUM
    for flag in ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-extensions", "--disable-component-update", "--no-first-run", "--window-size=1400,1000"):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """A projection cache for the session, so the small t-SNE is computed once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def settings(runs_dir: Path, cache_dir: Path) -> Settings:
    """Settings over the tiny runs with a small projection."""
    return Settings(runs_dir=runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)


@pytest.fixture
def app(settings: Settings):
    """A fresh app over the tiny runs."""
    from dashboard.app import create_app

    return create_app(settings)


@pytest.fixture
def service(app):
    """The app's service, with the app context pushed so that page functions can be called directly."""
    from dashboard.service import current

    with app.server.app_context():
        yield current()


@pytest.fixture
def spare_runs_dir(runs_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the runs that a test may change."""
    copy = tmp_path / "runs"
    shutil.copytree(runs_dir, copy)
    return copy
