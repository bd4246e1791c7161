"""The shell's run choice: the URL's run, a stale stored choice repaired, a run lost elsewhere
replaced, with a notice."""

from __future__ import annotations

import pytest
from dash import no_update

from dashboard import ids
from dashboard.settings import Settings
from tests.support.callbacks import call
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES

DEFAULT = RUN_NAMES[0]  # the tiny runs have no DEFAULT nor SHIPPED: the first one is the default


def choose(trigger: str, search: str, value: str | None, lost=None):
    from dashboard.shell.choice import choose_run

    return call(choose_run, trigger, search, "/errors", value, lost)


def test_a_damaged_part_of_a_readable_run_is_explained_without_a_switch(service):
    lost = {"run": RUN_NAMES[1], "error": "model file of run convnet cannot be loaded", "at": 1}
    value, _, notice, hidden = choose(f"{ids.SHELL_LOST}.data", "", RUN_NAMES[1], lost)
    assert value is no_update and hidden is False and notice == lost["error"]
    late = {**lost, "run": "gone"}  # a late report about a run no longer selected changes nothing
    assert choose(f"{ids.SHELL_LOST}.data", "", RUN_NAMES[1], late)[2:] == (no_update, no_update)


def test_a_link_names_the_run(service):
    value, options, notice, hidden = choose(
        f"{ids.SHELL_URL}.search", f"?cell=3-5&run={RUN_NAMES[1]}", DEFAULT
    )
    assert value == RUN_NAMES[1] and hidden is True and notice == ""
    assert [o["value"] for o in options] == list(RUN_NAMES)


def test_without_a_link_the_stored_choice_stays(service):
    value, _, notice, hidden = choose(f"{ids.SHELL_URL}.search", "", RUN_NAMES[1])
    assert value is no_update and notice is no_update and hidden is no_update


@pytest.mark.parametrize(
    "trigger", [f"{ids.SHELL_URL}.search", f"{ids.RUN_SELECT}.value", f"{ids.SHELL_LOST}.data"]
)
def test_a_vanished_run_falls_back_to_the_default_with_a_notice_naming_it(service, trigger):
    value, _, notice, hidden = choose(trigger, "", "renamed_by_someone")
    assert value == DEFAULT and hidden is False
    assert "“renamed_by_someone” is not available any more" in notice and f"“{DEFAULT}”" in notice


def test_a_link_to_a_vanished_run_falls_back_too(service):
    value, _, notice, hidden = choose(f"{ids.SHELL_URL}.search", "?run=gone", RUN_NAMES[1])
    assert value == DEFAULT and not hidden and "“gone”" in notice


def test_picking_a_run_settles_the_notice(service):
    value, _, notice, hidden = choose(f"{ids.RUN_SELECT}.value", "?run=gone", RUN_NAMES[1])
    assert (
        value is no_update and hidden is True and notice == ""
    )  # the picked run stays, not set again


def test_a_run_renamed_under_the_running_app_is_replaced(spare_runs_dir, cache_dir):
    from dashboard.app import create_app
    from dashboard.service import current

    app = create_app(
        Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )
    with app.server.app_context():
        assert current().run(RUN_NAMES[1]).name == RUN_NAMES[1]
        (spare_runs_dir / RUN_NAMES[1]).rename(spare_runs_dir / "elsewhere")
        value, options, notice, hidden = choose(
            f"{ids.SHELL_LOST}.data", "", RUN_NAMES[1], {"at": 1}
        )
        assert value == DEFAULT and not hidden and f"“{RUN_NAMES[1]}”" in notice
        assert [o["value"] for o in options] == sorted([DEFAULT, "elsewhere"])


def test_an_old_link_to_deep_cnn_falls_back_to_the_shipped_default(cache_dir):
    """The shipped default's directory was `runs/deep_cnn` until it was named for what it is."""
    from dashboard.app import create_app
    from model import config
    from model.core.runs import RunStore

    default = RunStore(config.RUNS_DIR).default_name()
    app = create_app(
        Settings(runs_dir=config.RUNS_DIR, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )
    with app.server.app_context():
        value, options, notice, hidden = choose(f"{ids.SHELL_URL}.search", "?run=deep_cnn", None)
    assert default == "wide_cnn-strong" and value == default and hidden is False
    assert "“deep_cnn” is not available any more" in notice and f"“{default}”" in notice
    assert [o["value"] for o in options] == ["convnet", "ensemble", default]
