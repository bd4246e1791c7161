"""Saliency page in headless Chromium: opened from its address and linked from the Errors page."""

from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.settings import Settings
from model.insight.saliency import METHODS
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES

BASELINE, CONVNET = RUN_NAMES  # the tiny runs
INDEX = 8


# The figure


@pytest.fixture
def convnet_app(runs_dir, cache_dir):
    """A fresh app over the tiny runs with the convnet preselected (the baseline has no
    Grad-CAM)."""
    from dashboard.app import create_app

    return create_app(
        Settings(
            runs_dir=runs_dir,
            run=runs_dir / CONVNET,
            cache_dir=cache_dir,
            projection_size=PROJECTION_SIZE,
        )
    )


def heatmap_panels(duo) -> int:
    """How many heatmaps the page's figure holds."""
    return duo.driver.execute_script(
        f"return document.querySelector('#{ids.SALIENCY_HEATMAP} .js-plotly-plot').data.length / 2;"
    )


def test_the_page_opens_an_image_from_its_address_and_shows_every_method(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/saliency?index={INDEX}")
    dash_duo.wait_for_contains_text(f"#{ids.SALIENCY_CAPTION}", f"Test image #{INDEX}", timeout=20)
    dash_duo.wait_for_element(f"#{ids.SALIENCY_HEATMAP} .heatmaplayer", timeout=10)
    assert heatmap_panels(dash_duo) == len(METHODS)
    titles = [
        element.text
        for element in dash_duo.find_elements(f"#{ids.SALIENCY_HEATMAP} .annotation-text")
    ]
    assert titles == [method.label for method in METHODS.values()]
    dash_duo.find_element(f"#{ids.SALIENCY_METHOD} input[value='occlusion']").click()
    dash_duo.wait_for_contains_text(f"#{ids.SALIENCY_CAPTION}", "1 heatmap in", timeout=10)
    assert heatmap_panels(dash_duo) == 1
    assert dash_duo.get_logs() == []


def test_the_errors_page_links_an_image_here(dash_duo, convnet_app):
    dash_duo.start_server(convnet_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/errors")
    link = dash_duo.wait_for_element(f"#{ids.ERRORS_MISTAKES} .tile-link", timeout=20)
    index = link.get_attribute("href").rsplit("=", 1)[1]
    link.click()
    dash_duo.wait_for_contains_text(f"#{ids.SALIENCY_CAPTION}", f"Test image #{index} ", timeout=20)
    assert dash_duo.find_element(f"#{ids.SALIENCY_INDEX}").get_attribute("value") == index
    assert dash_duo.get_logs() == []
