"""The callback layer shares one app per test module: its tests read the tiny runs and never change
them
(tests that change runs build their own app over a private copy)."""

from __future__ import annotations

import pytest

from dashboard.settings import Settings
from tests.support.constants import PROJECTION_SIZE


@pytest.fixture(scope="module")
def app(runs_dir, cache_dir):
    """An app over the tiny runs, built once for the test module."""
    from dashboard.app import create_app

    return create_app(
        Settings(runs_dir=runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )
