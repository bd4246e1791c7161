"""Train page in headless Chromium: a real training with progress, Cancel, and leaving the page
mid-training."""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard import ids
from dashboard.jobs.form import PRESET_LABELS, train_size_label
from model.core.runs import list_runs, load_run
from model.training import job_record as records
from model.training.admission import is_training
from tests.support.sketch import CANVAS
from tests.support.traces import hidden_dirs, trainer_processes

pytestmark = pytest.mark.training


@pytest.fixture
def app(train_app):
    """The app of these tests: over a private copy of the runs, with its own job cache."""
    return train_app


@pytest.fixture
def browser(dash_duo, app):
    """Chromium on the Train page of a fresh app."""
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/train")
    dash_duo.wait_for_element(f"#{ids.TRAIN_NAME_CHECK} span", timeout=60)
    return dash_duo


def fill_form(browser, name: str, epochs: int, size: int) -> None:
    browser.clear_input(f"#{ids.TRAIN_NAME}")
    browser.find_element(f"#{ids.TRAIN_NAME}").send_keys(name)
    browser.wait_for_text_to_equal(f"#{ids.TRAIN_NAME_CHECK}", "This name is free.")
    browser.clear_input(f"#{ids.TRAIN_EPOCHS}")
    browser.find_element(f"#{ids.TRAIN_EPOCHS}").send_keys(str(epochs))
    size_menu = browser.find_element(f"#{ids.TRAIN_SIZE}")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", size_menu)
    browser.select_dcc_dropdown(size_menu, value=train_size_label(size))
    ActionChains(browser.driver).send_keys(
        Keys.ESCAPE
    ).perform()  # close the menu if it is still open
    browser.wait_for_contains_text(f"#{ids.TRAIN_SIZE}", train_size_label(size))


LIVE_STATE = f"""
const bar = document.getElementById('{ids.TRAIN_PROGRESS}');
const box = document.getElementById('{ids.TRAIN_PROGRESS_BOX}');
const trace = document.querySelector('#{ids.TRAIN_LIVE} .scatterlayer .trace');
return [box.hidden ? null : Number(bar.value), trace ? trace.querySelectorAll('.point').length : 0,
        document.getElementById('{ids.TRAIN_STATUS}').innerText];
"""


def form_shows(browser, architecture: str, epochs: int, augment: bool) -> bool:
    """Whether the form's architecture, epochs and augmentation fields show these values."""
    box = browser.find_element(f"#{ids.TRAIN_AUGMENT} input")
    return (
        architecture in browser.find_element(f"#{ids.TRAIN_ARCHITECTURE}").text
        and browser.find_element(f"#{ids.TRAIN_EPOCHS}").get_attribute("value") == str(epochs)
        and box.is_selected() == augment
    )


def test_training_from_the_page_shows_progress_and_lists_the_run(browser, train_runs):
    browser.wait_for_contains_text(f"#{ids.TRAIN_PRESET}", PRESET_LABELS["quick"])  # the default
    until(lambda: form_shows(browser, "fast_cnn", 2, False), timeout=10)
    browser.select_dcc_dropdown(f"#{ids.TRAIN_PRESET}", value=PRESET_LABELS["strong"])
    until(lambda: form_shows(browser, "wide_cnn", 18, True), timeout=10)
    until(
        lambda: browser.find_element(f"#{ids.TRAIN_NAME}").get_attribute("value") == "wide_cnn-2",
        timeout=10,
    )
    browser.select_dcc_dropdown(f"#{ids.TRAIN_PRESET}", value=PRESET_LABELS["quick"])
    until(lambda: form_shows(browser, "fast_cnn", 2, False), timeout=10)
    fill_form(browser, "browser-run", epochs=4, size=2048)
    browser.wait_for_contains_text(
        f"#{ids.TRAIN_PRESET_CHANGES}", "Changed from the quick preset: epochs 4 (preset: 2)"
    )
    browser.find_element(f"#{ids.TRAIN_START}").click()
    browser.wait_for_element(f"#{ids.TRAIN_LIVE} .scatterlayer .trace", timeout=120)
    seen = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        progress, points, status = browser.driver.execute_script(LIVE_STATE)
        seen.append((progress, points))
        if "Trained browser-run" in status:
            break
        time.sleep(0.1)
    assert "Trained browser-run" in status, seen[-5:]
    moving = [p for p, _ in seen if p is not None and 0 < p < 100]
    assert moving and moving == sorted(moving), seen
    growing = sorted({n for _, n in seen if n})
    assert len(growing) >= 2 and growing[-1] == 4, seen  # the curve had fewer epochs, then all four
    browser.wait_for_contains_text(f"#{ids.RUN_SELECT}", "browser-run")  # now selected
    browser.find_element(f"#{ids.RUN_SELECT}").click()
    options = browser.find_element(".dash-dropdown-options").text
    assert "browser-run" in options and "convnet" in options
    assert load_run(train_runs / "browser-run").metadata["epochs"] == 4 and not is_training(
        train_runs
    )
    assert browser.find_element(f"#{ids.TRAIN_START}").is_enabled()
    assert browser.get_logs() == []


def test_cancel_stops_the_training_and_leaves_no_trace(browser, train_runs):
    fill_form(browser, "cancel-me", epochs=40, size=5000)
    browser.find_element(f"#{ids.TRAIN_START}").click()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress, _, _ = browser.driver.execute_script(LIVE_STATE)
        if progress:
            break
        time.sleep(0.2)
    assert progress and is_training(train_runs) and trainer_processes(train_runs)
    browser.find_element(f"#{ids.TRAIN_CANCEL}").click()
    browser.wait_for_contains_text(
        f"#{ids.TRAIN_STATUS}", "Cancelled: the training of cancel-me was stopped", timeout=30
    )
    assert not is_training(train_runs) and trainer_processes(train_runs) == []
    assert not (train_runs / "cancel-me").exists() and hidden_dirs(train_runs) == []
    assert sorted(p.name for p in list_runs(train_runs)) == ["baseline", "convnet"]
    assert browser.find_element(f"#{ids.TRAIN_START}").is_enabled()
    assert not browser.find_element(f"#{ids.TRAIN_CANCEL}").is_enabled()
    assert browser.get_logs() == []


def test_leaving_and_returning_mid_training_keeps_progress_cancel_and_the_result(
    browser, train_runs
):
    fill_form(browser, "away-run", epochs=3, size=2048)
    browser.find_element(f"#{ids.TRAIN_START}").click()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not browser.driver.execute_script(LIVE_STATE)[0]:
        time.sleep(0.2)
    assert browser.driver.execute_script(LIVE_STATE)[0], "no progress before leaving"
    browser.find_element("a.nav-link[href='/draw']").click()  # the app's own navigation: no reload
    browser.wait_for_element(CANVAS, timeout=60)
    left = records.read_record(train_runs)["heartbeat"]
    until(  # the training runs on while this page is shown: its heartbeat beats twice
        lambda: (
            records.read_record(train_runs)["heartbeat"] >= left + 2
            or records.read_record(train_runs)["state"] != records.RUNNING
        ),
        60,
        msg="the training's heartbeat stopped while /draw was shown",
    )
    assert browser.get_logs() == []
    browser.find_element("a.nav-link[href='/train']").click()
    browser.wait_for_element(f"#{ids.TRAIN_PROGRESS_BOX}", timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        progress, _, status = browser.driver.execute_script(LIVE_STATE)
        if progress is not None or "Trained away-run" in status:
            break
        time.sleep(0.2)
    if (
        "Trained away-run" not in status
    ):  # still running: its starter sees the progress and may cancel
        assert progress is not None and "started from this browser" in status
        assert browser.find_element(f"#{ids.TRAIN_CANCEL}").is_enabled()
    browser.wait_for_contains_text(
        f"#{ids.TRAIN_STATUS}", "Trained away-run: test accuracy", timeout=240
    )
    browser.wait_for_contains_text(f"#{ids.RUN_SELECT}", "away-run")  # selected once it finished
    assert not browser.find_element(f"#{ids.TRAIN_CANCEL}").is_enabled()
    assert load_run(train_runs / "away-run").metadata["epochs"] == 3
    assert browser.get_logs() == []
