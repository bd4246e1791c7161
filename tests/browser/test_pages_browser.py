"""The dashboard in headless Chromium: pages render cleanly, the run selector and clicks work.

Run with `pytest tests/explorer --headless`.
"""

from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.figures.images import png_data_url
from tests.support.constants import RUN_NAMES

PAGES = {  # path: selectors that exist once the page has rendered its content
    "/": ["#home-summary .stat"],
    "/dataset": [
        "#dataset-labels .bars",
        "#dataset-spread .heatmaplayer",
        "#dataset-gallery img",
        "#dataset-projection .scatterlayer .point",
    ],
    "/training": [
        "#training-curves .scatterlayer .trace",
        "#training-overlay .scatterlayer .trace",
        "#training-table tr.selected",
    ],
    "/errors": [
        "#errors-matrix .heatmaplayer",
        "#errors-cell img",
        "#errors-mistakes img",
        "#errors-probabilities .bars",
        "#errors-scores .bars",
    ],
}


@pytest.fixture
def browser(dash_duo, app):
    """Chromium on a fresh app over the tiny runs."""
    dash_duo.start_server(app)
    return dash_duo


def open_page(browser, path: str) -> None:
    browser.wait_for_page(url=browser.server_url + path)
    for selector in PAGES[path]:
        browser.wait_for_element(selector, timeout=15)


def test_every_page_renders_without_console_errors(browser):
    for path in PAGES:
        open_page(browser, path)
        assert browser.find_element(f'.nav-link.active[href="{path}"]')
    browser.find_element(".nav a[href='/errors']").click()  # client-side navigation too
    browser.wait_for_element("#errors-mistakes img", timeout=15)
    assert browser.get_logs() == []


def test_run_selector_changes_every_page(browser, service):
    open_page(browser, "/")
    browser.wait_for_contains_text(f"#{ids.HOME_SUMMARY} h3", RUN_NAMES[0])
    browser.select_dcc_dropdown(f"#{ids.RUN_SELECT}", index=1)
    browser.wait_for_contains_text(f"#{ids.HOME_SUMMARY} h3", RUN_NAMES[1])
    accuracy = service.run(RUN_NAMES[1]).evaluation["accuracy"]
    browser.wait_for_contains_text(f"#{ids.HOME_SUMMARY}", f"{accuracy:.2%}")

    browser.find_element(".nav a[href='/training']").click()
    browser.wait_for_contains_text("#training-table tr.selected", RUN_NAMES[1])
    browser.wait_for_contains_text("#training-curves .gtitle", RUN_NAMES[1])
    browser.find_element(".nav a[href='/errors']").click()
    worst = int(service.predictions(RUN_NAMES[1]).confident_mistakes(1)[0])
    browser.wait_for_contains_text("#errors-mistakes figcaption", f"#{worst}")
    assert browser.get_logs() == []


def test_click_on_a_confusion_cell_shows_its_images_and_an_image_its_probabilities(
    browser, service
):
    open_page(browser, "/errors")
    predictions = service.predictions(RUN_NAMES[0])
    true, predicted = 3, 3
    browser.click_at_coord_fractions(
        "#errors-matrix .nsewdrag", (predicted + 0.5) / 10, (true + 0.5) / 10
    )
    count = len(predictions.cell(true, predicted))
    browser.wait_for_contains_text(
        f"#{ids.ERRORS_CELL} .cell-heading", f"True 3, correctly classified: {count:,} images"
    )
    first = int(
        predictions.cell(true, predicted)[-1]
    )  # a diagonal cell: the least confident right answer first
    browser.wait_for_contains_text(f"#{ids.ERRORS_CELL} figcaption", f"#{first}")
    captions = [c.text for c in browser.find_elements(f"#{ids.ERRORS_CELL} figcaption")]
    assert all("true 3 → 3" in caption for caption in captions)

    browser.find_elements(f"#{ids.ERRORS_CELL} .tile img")[0].click()
    browser.wait_for_contains_text(
        f"#{ids.ERRORS_PROBABILITIES} .gtitle", f"Test image #{first}: true 3"
    )
    link = browser.find_element(f"#{ids.ERRORS_PROBABILITIES_CAPTION} a")
    assert link.get_attribute("href").endswith(f"/saliency?index={first}")
    assert browser.get_logs() == []


def test_click_on_a_projection_point_shows_its_image(browser, service):
    open_page(browser, "/dataset")
    browser.find_element(f"#{ids.DATASET_PROJECTION_METHOD} input[value='pca']").click()
    browser.wait_for_contains_text(f"#{ids.DATASET_PROJECTION} .xtitle", "PCA 1")
    point = browser.find_elements(
        f"#{ids.DATASET_PROJECTION} .scatterlayer .trace:nth-child(8) .point"
    )[0]
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser.driver).move_to_element(point).click().perform()
    browser.wait_for_contains_text(f"#{ids.DATASET_POINT}", "Test image #")
    panel = browser.find_element(f"#{ids.DATASET_POINT}").text
    index = int(panel.split("#")[1].split()[0])
    assert index in set(service.projection.indices)
    assert f"label {service.mnist.y_test[index]}" in panel
    image = browser.find_element(f"#{ids.DATASET_POINT} img")
    assert image.get_attribute("src") == png_data_url(service.mnist.x_test[index])
    assert browser.get_logs() == []
