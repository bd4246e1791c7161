"""The Network and Adversarial pages and the Draw page's what-if card in headless Chromium, on the
tiny runs."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard import ids
from dashboard.drawing.reading import EMPTY_TEXT
from dashboard.settings import Settings
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES
from tests.support.sketch import CANVAS, draw_digit

BASELINE, CONVNET = RUN_NAMES
WAIT = 30  # seconds: the first visit compiles the model's functions on a loaded machine
COMPUTE_WAIT = 180  # seconds for a derived file computed in the background (small here)


@pytest.fixture
def convnet_app(runs_dir, tmp_path):
    """A fresh app over the tiny runs, the convnet preselected, an empty cache and small derived
    files."""
    from dashboard.app import create_app

    return create_app(
        Settings(
            runs_dir=runs_dir,
            run=runs_dir / CONVNET,
            cache_dir=tmp_path,
            projection_size=PROJECTION_SIZE,
            robustness_size=100,
        )
    )


def traces(duo, graph_id: str) -> int:
    """How many traces the graph `graph_id` draws."""
    return duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot'); return g ? "
        "g.data.length : -1;"
    )


def test_the_network_page_shows_layers_filters_units_and_both_maps(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/network?index=5")
    dash_duo.wait_for_contains_text(f"#{ids.NETWORK_CAPTION}", "Test image #5", timeout=WAIT)
    dash_duo.wait_for_element(f"#{ids.NETWORK_MAPS} .heatmaplayer", timeout=WAIT)
    titles = [e.text for e in dash_duo.find_elements(f"#{ids.NETWORK_MAPS} .annotation-text")]
    assert [t.split(" (")[0] for t in titles] == ["conv1 · 26 × 26 × 32", "conv2 · 11 × 11 × 64"]
    assert traces(dash_duo, ids.NETWORK_FILTERS) == 1 and traces(dash_duo, ids.NETWORK_UNITS) == 1
    until(lambda: traces(dash_duo, ids.NETWORK_PIXEL_MAP) >= 10, timeout=WAIT)
    until(
        lambda: traces(dash_duo, ids.NETWORK_FEATURE_MAP) >= 10, timeout=COMPUTE_WAIT
    )  # polled until computed
    dash_duo.find_element(f"#{ids.NETWORK_RANDOM}").click()
    until(
        lambda: "Test image #5 " not in dash_duo.find_element(f"#{ids.NETWORK_CAPTION}").text,
        timeout=WAIT,
    )
    assert dash_duo.get_logs() == []


def test_the_network_and_adversarial_pages_look_inside_the_last_drawing(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/network")
    dash_duo.find_element(f"#{ids.NETWORK_SOURCE} input[value='drawing']").click()
    dash_duo.wait_for_contains_text(f"#{ids.NETWORK_CAPTION}", "No drawing yet", timeout=WAIT)
    dash_duo.find_element("a[href='/draw']").click()
    draw_digit(dash_duo.driver, dash_duo.wait_for_element(CANVAS, timeout=WAIT), 7)
    dash_duo.wait_for_contains_text(f"#{ids.DRAW_WHATIF_READING}", "reads", timeout=WAIT)
    dash_duo.find_element("a[href='/network']").click()
    dash_duo.find_element(f"#{ids.NETWORK_SOURCE} input[value='drawing']").click()
    dash_duo.wait_for_contains_text(f"#{ids.NETWORK_CAPTION}", "Your last drawing", timeout=WAIT)
    dash_duo.find_element("a[href='/adversarial']").click()
    dash_duo.find_element(f"#{ids.ADVERSARIAL_SOURCE} input[value='drawing']").click()
    dash_duo.wait_for_contains_text(
        f"#{ids.ADVERSARIAL_CAPTION}", "Your last drawing", timeout=WAIT
    )
    assert dash_duo.get_logs() == []


def test_what_if_sliders_change_the_reading_and_the_sweep(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/draw")
    draw_digit(dash_duo.driver, dash_duo.wait_for_element(CANVAS, timeout=WAIT), 1)
    until(lambda: dash_duo.find_element(f"#{ids.DRAW_PREDICTION}").text != EMPTY_TEXT, timeout=WAIT)
    prediction = dash_duo.find_element(f"#{ids.DRAW_PREDICTION}").text
    try:
        dash_duo.wait_for_contains_text(f"#{ids.DRAW_WHATIF_READING}", "reads", timeout=WAIT)
    except Exception as error:
        raise AssertionError(
            f"no what-if reading; the reading says {prediction!r}; console {dash_duo.get_logs()}"
        ) from error
    until(lambda: traces(dash_duo, ids.DRAW_WHATIF_SWEEP) == 50, timeout=WAIT)
    # read in the page: the image is replaced as the reading changes (no stale element)
    source = f"return document.querySelector('#{ids.DRAW_WHATIF_READING} img')?.src;"
    before = dash_duo.driver.execute_script(source)
    handle = dash_duo.find_element(".whatif-rotation [role='slider']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    handle.click()
    handle.send_keys(*[Keys.ARROW_RIGHT] * 4)  # four steps of 5°
    until(lambda: dash_duo.driver.execute_script(source) not in (before, None), timeout=WAIT)
    sweep = f"document.querySelector('#{ids.DRAW_WHATIF_SWEEP} .js-plotly-plot')"
    rotation = f"return {sweep}.layout.shapes[0].x0;"
    until(lambda: dash_duo.driver.execute_script(rotation) == 20, timeout=WAIT)
    dash_duo.find_element(f"#{ids.DRAW_WHATIF_RESET}").click()
    until(lambda: dash_duo.driver.execute_script(rotation) == 0, timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_the_adversarial_page_fools_the_model_and_draws_its_robustness(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/adversarial?index=0")
    dash_duo.wait_for_contains_text(f"#{ids.ADVERSARIAL_CAPTION}", "makes it answer", timeout=WAIT)
    until(lambda: traces(dash_duo, ids.ADVERSARIAL_IMAGES) == 3, timeout=WAIT)
    dash_duo.find_element(f"#{ids.ADVERSARIAL_METHOD} input[value='pgd']").click()
    dash_duo.wait_for_contains_text(f"#{ids.ADVERSARIAL_CAPTION}", "PGD with ε", timeout=WAIT)
    until(lambda: traces(dash_duo, ids.ADVERSARIAL_CURVE) == 2, timeout=COMPUTE_WAIT)
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("size", [(390, 844), (1024, 768)])
def test_the_network_page_fits_phone_and_laptop_widths(dash_duo, convnet_app, size):
    dash_duo.driver.set_window_size(*size)
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/network?index=1")
    dash_duo.wait_for_element(f"#{ids.NETWORK_MAPS} .heatmaplayer", timeout=WAIT)
    # the page's own cards; the shell's navbar is issue 10's
    overflowing = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('main .card')].filter(c => c.scrollWidth > "
        "c.clientWidth + 1)"
        ".map(c => c.querySelector('h3').textContent);"
    )
    assert overflowing == []
    assert dash_duo.get_logs() == []
