"""Shared fixtures and the test layers.

Layers, by folder, each selectable with `-m`: `unit/` (pure functions on real data), `callbacks/`
(page callbacks called directly, and over the app's test client), `browser/` (headless Chromium:
marker `browser`), `servers/` (real redis-server, Celery and gunicorn processes: marker
`servers`) and `training/` (tests whose subject is a training: marker `training`). The fast layer,
`pytest -m "not browser and not servers and not training"`, still trains the two tiny runs below.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from dashboard.settings import Settings
from model.core.mnist import Mnist, load_mnist
from model.training.fit import TrainConfig, train
from tests.support.constants import CHROMIUM, PROJECTION_SIZE

LAYER_MARKERS = {
    "browser": "browser",
    "servers": "servers",
    "training": "training",
}  # folder -> marker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder's layer; any test that drives Chromium is a browser test."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in LAYER_MARKERS:
            item.add_marker(LAYER_MARKERS[folder])
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker("browser")


def pytest_setup_options() -> Options:
    """Chromium flags for dash_duo: it runs as root, headless, without GPU or network chatter."""
    options = Options()
    if Path(CHROMIUM).exists():
        options.binary_location = CHROMIUM
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def mnist() -> Mnist:
    """The shipped dataset, checked."""
    return load_mnist()


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """A runs directory holding two tiny real runs: `convnet` (2 epochs) and `baseline` (1
    epoch)."""
    root = tmp_path_factory.mktemp("runs")
    train(
        TrainConfig(
            architecture="convnet", epochs=2, train_size=4000, tta=False, out=root / "convnet"
        ),
        verbose=0,
    )
    train(
        TrainConfig(
            architecture="baseline", epochs=1, train_size=2000, tta=False, out=root / "baseline"
        ),
        verbose=0,
    )
    return root


@pytest.fixture(scope="session")
def tiny_run(runs_dir: Path) -> Path:
    """A tiny convnet run directory, complete and loadable."""
    return runs_dir / "convnet"


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
    """The app's service, with the app context pushed so that page functions can be called
    directly."""
    from dashboard.service import current

    with app.server.app_context():
        yield current()


@pytest.fixture
def spare_runs_dir(runs_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the runs that a test may change."""
    copy = tmp_path / "runs"
    shutil.copytree(runs_dir, copy)
    return copy


@pytest.fixture
def train_runs(spare_runs_dir: Path) -> Path:
    """The private copy of the tiny runs that a training test may add to, rename or delete."""
    return spare_runs_dir


@pytest.fixture
def train_app(train_runs: Path, tmp_path: Path):
    """A fresh app over `train_runs`, its background jobs in a diskcache of its own (the shipped
    projection)."""
    from dashboard.app import create_app

    return create_app(Settings(runs_dir=train_runs, cache_dir=tmp_path / "cache"))


@pytest.fixture(scope="session")
def calibrated_runs_dir(runs_dir, tmp_path_factory):
    """A copy of the tiny runs whose convnet is calibrated (baseline is not)."""
    from model.training.calibrate import main as calibrate_main

    copy = tmp_path_factory.mktemp("calibrated") / "runs"
    shutil.copytree(runs_dir, copy)
    (copy / "baseline" / "calibration.json").unlink(
        missing_ok=True
    )  # training calibrates every run: undo it here
    assert calibrate_main(["--run", str(copy / "convnet")]) == 0
    return copy


@pytest.fixture
def trust_app(settings, calibrated_runs_dir, tmp_path, mnist):
    """An app over the calibrated copy, with a small suspects file and a private marks file."""
    from dashboard.app import create_app
    from tests.support.labels import write_suspects

    suspects = tmp_path / "suspects.json"
    write_suspects(suspects, mnist)
    return create_app(
        dataclasses.replace(
            settings,
            runs_dir=calibrated_runs_dir,
            label_suspects=suspects,
            label_marks=tmp_path / "marks.json",
        )
    )
