"""Shared state in headless Chromium: a link reproduces a view, the address follows the view, and a
run renamed
under the running app (as another user would) makes the page fall back to the default run with a
notice."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from dash.testing.wait import until

from dashboard import ids
from dashboard.settings import Settings
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES
from tests.support.layout import draw_and_locate_reading

DEFAULT = RUN_NAMES[0]  # the tiny runs have no DEFAULT nor SHIPPED: the first one is the default


def query(duo) -> dict[str, str]:
    """The current address's query parameters."""
    return {
        key: values[-1] for key, values in parse_qs(urlparse(duo.driver.current_url).query).items()
    }


def selected_run(duo) -> str:
    return duo.find_element(f"#{ids.RUN_SELECT}").text


def test_a_shared_link_reproduces_the_view_and_the_address_follows_it(dash_duo, app, service):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(
        url=f"{dash_duo.server_url}/errors?run={RUN_NAMES[1]}&cell=3-5&mode=share"
    )
    dash_duo.wait_for_contains_text(
        f"#{ids.ERRORS_CELL} .cell-heading", "True 3, predicted 5", timeout=30
    )
    until(lambda: RUN_NAMES[1] in selected_run(dash_duo), timeout=10)
    count = len(service.predictions(RUN_NAMES[1]).cell(3, 5))
    dash_duo.wait_for_contains_text(
        f"#{ids.ERRORS_CELL} .cell-heading", f"{count:,} images", timeout=15
    )
    assert dash_duo.find_element(f"#{ids.ERRORS_NORMALIZE} input[value='share']").is_selected()
    assert query(dash_duo) == {"run": RUN_NAMES[1], "cell": "3-5", "mode": "share"}

    dash_duo.click_at_coord_fractions("#errors-matrix .nsewdrag", (7 + 0.5) / 10, (2 + 0.5) / 10)
    dash_duo.wait_for_contains_text(
        f"#{ids.ERRORS_CELL} .cell-heading", "True 2, predicted 7", timeout=15
    )
    until(lambda: query(dash_duo).get("cell") == "2-7", timeout=5)

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/saliency?index=abc")
    dash_duo.wait_for_contains_text(
        ".query-notice", "index='abc' is not a whole number", timeout=30
    )
    box = dash_duo.find_element(f"#{ids.SALIENCY_INDEX}")
    box.send_keys("17\n")
    dash_duo.wait_for_contains_text(f"#{ids.SALIENCY_CAPTION}", "Test image #17", timeout=60)
    until(lambda: query(dash_duo).get("index") == "17", timeout=5)
    dash_duo.find_element(f"#{ids.SALIENCY_NEXT}").click()
    until(lambda: query(dash_duo).get("index") == "18", timeout=15)
    assert (
        query(dash_duo)["run"] == DEFAULT
    )  # an address without a model opens the default one, and says so
    assert dash_duo.get_logs() == []


@pytest.fixture
def changing_app(spare_runs_dir, cache_dir):
    """A fresh app over a private copy of the runs, which the test renames as another user would."""
    from dashboard.app import create_app

    return create_app(
        Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )


def test_a_run_renamed_elsewhere_falls_back_with_a_notice_and_a_reload_stays_repaired(
    dash_duo, changing_app, spare_runs_dir
):
    dash_duo.start_server(changing_app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/errors")
    dash_duo.wait_for_element(f"#{ids.ERRORS_CELL} img", timeout=30)
    dash_duo.select_dcc_dropdown(
        f"#{ids.RUN_SELECT}", index=1
    )  # a user's choice: kept in session storage
    until(lambda: query(dash_duo).get("run") == RUN_NAMES[1], timeout=15)

    (spare_runs_dir / RUN_NAMES[1]).rename(
        spare_runs_dir / "renamed_elsewhere"
    )  # another user renames it
    dash_duo.click_at_coord_fractions("#errors-matrix .nsewdrag", (4 + 0.5) / 10, (4 + 0.5) / 10)
    dash_duo.wait_for_contains_text(
        f"#{ids.SHELL_NOTICE}", f"“{RUN_NAMES[1]}” is not available any more", timeout=15
    )
    until(lambda: DEFAULT in selected_run(dash_duo), timeout=10)
    dash_duo.wait_for_contains_text(
        f"#{ids.ERRORS_CELL} .cell-heading", "True 4, correctly classified", timeout=15
    )
    until(lambda: query(dash_duo).get("run") == DEFAULT, timeout=5)

    dash_duo.driver.refresh()  # the page comes back on the default run, not on the stale stored one
    dash_duo.wait_for_element(f"#{ids.ERRORS_CELL} img", timeout=30)
    until(lambda: DEFAULT in selected_run(dash_duo), timeout=10)
    assert dash_duo.get_logs() == []


def test_a_stale_choice_is_repaired_on_reload_and_draw_keeps_reading(
    dash_duo, changing_app, spare_runs_dir
):
    dash_duo.start_server(changing_app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/draw")
    dash_duo.wait_for_element(".draw-canvas canvas.upper-canvas", timeout=30)
    dash_duo.select_dcc_dropdown(f"#{ids.RUN_SELECT}", index=1)
    until(lambda: query(dash_duo).get("run") == RUN_NAMES[1], timeout=15)
    (spare_runs_dir / RUN_NAMES[1]).rename(spare_runs_dir / "renamed_elsewhere")

    box = draw_and_locate_reading(dash_duo.driver, touch=False)  # the stroke meets the vanished run
    dash_duo.wait_for_contains_text(f"#{ids.SHELL_NOTICE}", f"“{RUN_NAMES[1]}”", timeout=15)
    until(lambda: DEFAULT in selected_run(dash_duo), timeout=10)
    box = draw_and_locate_reading(
        dash_duo.driver, touch=False, digit=1
    )  # and reading goes on, on the default
    assert box["text"][:1].isdigit() or box["text"].startswith("Not sure"), box

    (spare_runs_dir / "renamed_elsewhere").rename(
        spare_runs_dir / RUN_NAMES[1]
    )  # back, and chosen again
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/draw")
    dash_duo.wait_for_element(".draw-canvas canvas.upper-canvas", timeout=30)
    dash_duo.select_dcc_dropdown(f"#{ids.RUN_SELECT}", index=1)
    until(lambda: query(dash_duo).get("run") == RUN_NAMES[1], timeout=15)
    (spare_runs_dir / RUN_NAMES[1]).rename(spare_runs_dir / "renamed_elsewhere")
    dash_duo.driver.refresh()  # a reload of an address whose run went meanwhile
    dash_duo.wait_for_contains_text(
        f"#{ids.SHELL_NOTICE}", f"“{RUN_NAMES[1]}” is not available", timeout=30
    )
    until(
        lambda: DEFAULT in selected_run(dash_duo) and query(dash_duo).get("run") == DEFAULT,
        timeout=10,
    )
    dash_duo.driver.refresh()  # repaired for good: the next load neither falls back nor warns
    dash_duo.wait_for_element(".draw-canvas canvas.upper-canvas", timeout=30)
    until(lambda: DEFAULT in selected_run(dash_duo), timeout=10)
    assert not dash_duo.find_element(f"#{ids.SHELL_NOTICE}").is_displayed()
    assert dash_duo.get_logs() == []
