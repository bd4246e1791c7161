"""Compare, Calibration and Labels pages in headless Chromium, at laptop and phone sizes; the
probability switch."""

from __future__ import annotations

import pytest

from dashboard import ids
from model.trust.label_marks import read_marks

SIZES = {"laptop": (1024, 768), "phone": (390, 844)}


def too_wide(duo, selector: str) -> list[str]:
    """The elements under `selector` that stick out of the window sideways (tag, class and right
    edge)."""
    return duo.driver.execute_script(
        """
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll(arguments[0] + ' *')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className + ' '
                      + Math.round(e.getBoundingClientRect().right));
    """,
        selector,
    )


@pytest.fixture
def duo(dash_duo, trust_app):
    """Chromium on a fresh app over the tiny runs (convnet calibrated), a small suspects file and
    private marks."""
    dash_duo.start_server(trust_app)
    return dash_duo


@pytest.mark.parametrize("size", SIZES)
def test_compare_page_verdict_cells_and_galleries(duo, size):
    duo.driver.set_window_size(*SIZES[size])
    duo.wait_for_page(f"{duo.server_url}/compare")
    duo.wait_for_contains_text(f"#{ids.COMPARE_SUMMARY}", "McNemar", timeout=20)
    duo.wait_for_element(f"#{ids.COMPARE_CONFUSION} .heatmaplayer", timeout=15)
    duo.wait_for_element(f"#{ids.COMPARE_CLASSES} .bars", timeout=15)
    duo.wait_for_element(f"#{ids.COMPARE_GALLERY} .tile img", timeout=15)
    duo.driver.find_element(
        "xpath", "//button[contains(@class, 'agreement-cell')][span='both wrong']"
    ).click()
    duo.wait_for_contains_text(f"#{ids.COMPARE_GALLERY} .cell-heading", "Both wrong", timeout=15)
    link = duo.find_element(f"#{ids.COMPARE_GALLERY} .tile-link")
    assert "/saliency?index=" in link.get_attribute("href")
    assert too_wide(duo, ".page") == []
    assert duo.get_logs() == []


def test_calibration_page_and_the_switch(duo):
    duo.driver.set_window_size(*SIZES["laptop"])
    duo.wait_for_page(f"{duo.server_url}/calibration")
    duo.select_dcc_dropdown(f"#{ids.RUN_SELECT}", index=1)  # the runs by name: baseline, convnet
    duo.wait_for_contains_text(f"#{ids.CALIBRATION_SUMMARY}", "temperature", timeout=20)
    duo.wait_for_contains_text(
        f"#{ids.CALIBRATION_RELIABILITY} .gtitle", "calibrated, without test-time", timeout=15
    )
    duo.find_element(f"#{ids.PROBABILITY_SCALE} input[value='raw']").click()
    duo.wait_for_contains_text(
        f"#{ids.CALIBRATION_RELIABILITY} .gtitle", "raw, without test-time", timeout=15
    )
    duo.wait_for_element(f"#{ids.CALIBRATION_HISTOGRAM} .bars", timeout=15)
    duo.select_dcc_dropdown(f"#{ids.RUN_SELECT}", index=0)
    duo.wait_for_contains_text(f"#{ids.CALIBRATION_SUMMARY}", "Not calibrated", timeout=15)
    assert duo.get_logs() == []


@pytest.mark.parametrize("size", SIZES)
def test_labels_page_filter_mark_and_export(duo, trust_app, size):
    duo.driver.set_window_size(*SIZES[size])
    duo.wait_for_page(f"{duo.server_url}/labels")
    duo.find_element(f"#{ids.LABELS_SPLIT} input[value='train']").click()
    duo.wait_for_contains_text(f"#{ids.LABELS_SUMMARY}", "2 suspects (0 marked)", timeout=20)
    assert len(duo.find_elements(f"#{ids.LABELS_GALLERY} .suspect img")) == 2
    duo.find_element(
        f"#{ids.LABELS_GALLERY} .suspect .mark-buttons button"
    ).click()  # "label wrong"
    duo.wait_for_contains_text(f"#{ids.LABELS_MESSAGE}", "label wrong", timeout=15)
    duo.wait_for_contains_text(f"#{ids.LABELS_SUMMARY}", "(1 marked)", timeout=15)
    marks_file = trust_app.server.extensions["mnist_service"].settings.label_marks
    assert [mark["verdict"] for mark in read_marks(marks_file).values()] == ["wrong"]
    duo.wait_for_element(f"#{ids.LABELS_GALLERY} .suspect.marked-wrong", timeout=10)
    assert too_wide(duo, ".page") == []
    assert duo.get_logs() == []
