"""Draw page in headless Chromium: real mouse strokes and uploads, read by the model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from dash.testing.wait import until
from selenium.common.exceptions import TimeoutException

from dashboard import ids
from dashboard.drawing.reading import EMPTY_TEXT
from dashboard.drawing.upload import MAX_BYTES
from dashboard.settings import Settings
from model import config
from model.core.runs import default_run_dir
from tests.support.constants import PROJECTION_SIZE
from tests.support.drawing import render
from tests.support.sketch import CANVAS, TWO_DIGITS, draw_digit

WAIT = 10  # seconds a browser test waits for an answer


@pytest.fixture
def shipped_app(cache_dir):
    """A fresh app on the shipped default model, the run runs/DEFAULT names (RunError, so a
    failure, if it is missing)."""
    from dashboard.app import create_app

    return create_app(
        Settings(
            runs_dir=config.RUNS_DIR,
            run=default_run_dir(config.RUNS_DIR),
            cache_dir=cache_dir,
            projection_size=PROJECTION_SIZE,
        )
    )


@pytest.fixture
def draw(dash_duo, shipped_app):
    """dash_duo on the Draw page of the shipped app, the canvas ready."""
    dash_duo.start_server(shipped_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/draw")
    dash_duo.wait_for_element(CANVAS)
    return dash_duo


def prediction(duo) -> str:
    """The text of the element with id "prediction"."""
    return duo.find_element(f"#{ids.DRAW_PREDICTION}").text


def wait_for_prediction(duo, condition, what: str) -> str:
    """Wait until the prediction text satisfies `condition`; return it."""
    try:
        until(lambda: condition(prediction(duo)), timeout=WAIT)
    except TimeoutException:
        raise AssertionError(
            f"no {what} within {WAIT} s; #prediction says {prediction(duo)!r}"
        ) from None
    return prediction(duo)


def assert_empty_state(duo) -> None:
    """Nothing read: the empty text, zero bars, no input, no heatmap, no message."""
    wait_for_prediction(duo, lambda text: text == EMPTY_TEXT, "the empty state")
    values = [element.text for element in duo.find_elements(f"#{ids.DRAW_BARS} .bar-value")]
    assert values == ["0.0%"] * 10
    assert duo.find_elements(f"#{ids.DRAW_INPUT} img") == []
    assert duo.find_element(f"#{ids.DRAW_MESSAGE}").text == ""
    duo.wait_for_contains_text(f"#{ids.DRAW_SALIENCY}", "Draw a digit to see", timeout=WAIT)


def wait_for_heatmaps(duo, reading: str) -> None:
    """Wait until the saliency figure shows a heatmap for each digit of `reading` ("10 · 99% ·
    97%"), titled so."""
    number, *confidences = reading.split(" · ")
    titles = [
        f"{digit} · {confidence}" for digit, confidence in zip(number, confidences, strict=True)
    ]
    script = (
        f"const g = document.querySelector('#{ids.DRAW_SALIENCY} .js-plotly-plot');"
        "return g && g.data.length ? (g.layout.annotations || []).map(a => a.text) : null;"
    )
    until(
        lambda: duo.driver.execute_script(script) == titles,
        timeout=WAIT,
        msg=f"no heatmaps titled {titles} within {WAIT} s",
    )


def canvas(duo):
    """The canvas element that takes the mouse strokes."""
    return duo.find_element(CANVAS)


def test_an_empty_canvas_shows_the_empty_state(draw):
    assert canvas(draw).size == {"width": 280, "height": 280}
    assert_empty_state(draw)
    assert draw.get_logs() == []


@pytest.mark.parametrize("digit", [1, 7, 0])
def test_a_drawn_digit_is_read_as_that_digit(draw, digit):
    draw_digit(draw.driver, canvas(draw), digit)
    text = wait_for_prediction(draw, lambda text: text != EMPTY_TEXT, "a reading after the stroke")
    assert text.startswith(f"{digit} · "), text
    assert len(draw.find_elements(f"#{ids.DRAW_INPUT} img")) == 1
    wait_for_heatmaps(draw, text)
    assert draw.get_logs() == []


def test_clear_resets_everything(draw):
    draw_digit(draw.driver, canvas(draw), 7)
    wait_for_prediction(draw, lambda text: text.startswith("7"), "the 7 read")
    draw.find_element(f"#{ids.DRAW_CLEAR}").click()
    assert_empty_state(draw)
    draw_digit(draw.driver, canvas(draw), 1)  # the cleared canvas holds only the new stroke
    wait_for_heatmaps(
        draw,
        wait_for_prediction(draw, lambda text: text.startswith("1 · "), "the 1 drawn after Clear"),
    )
    assert draw.get_logs() == []


def test_two_separated_digits_in_number_mode_show_the_number(draw):
    draw.find_element(f"#{ids.DRAW_MODE} input[value='number']").click()
    for digit, box in TWO_DIGITS.items():
        draw_digit(draw.driver, canvas(draw), digit, box)
    text = wait_for_prediction(
        draw,
        lambda text: text.startswith("10") or text.startswith("Not sure · best guess 10"),
        "the number 10",
    )
    assert text.startswith("10 · "), text
    assert len(draw.find_elements(f"#{ids.DRAW_INPUT} img")) == 2
    wait_for_heatmaps(draw, text)
    assert draw.get_logs() == []


def test_an_uploaded_photo_is_read_and_a_bad_file_gets_a_message(draw, tmp_path):
    photo = tmp_path / "four.jpg"
    paper = render(
        4, size=600, ink=40, background=215, thickness=34
    )  # dark ink on light paper, like a scan
    noisy = np.clip(paper + np.random.default_rng(0).normal(0, 6, paper.shape), 0, 255).astype(
        np.uint8
    )
    cv2.imwrite(str(photo), noisy)
    upload = draw.find_element(f"#{ids.DRAW_UPLOAD} input[type=file]")
    upload.send_keys(str(photo))
    text = wait_for_prediction(
        draw, lambda text: text not in (EMPTY_TEXT, ""), "a reading of the photo"
    )
    assert text.startswith("4 · "), text
    assert len(draw.find_elements(f"#{ids.DRAW_INPUT} img")) == 1
    wait_for_heatmaps(draw, text)
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not an image")
    upload.send_keys(str(not_an_image))
    wait_for_prediction(draw, lambda text: text == "Cannot read the upload", "the upload error")
    assert "not an image" in draw.find_element(f"#{ids.DRAW_MESSAGE}").text
    draw.wait_for_contains_text(f"#{ids.DRAW_SALIENCY}", "Draw a digit to see", timeout=WAIT)
    too_large = tmp_path / "huge.png"
    too_large.write_bytes(cv2.imencode(".png", render(4))[1].tobytes() + bytes(MAX_BYTES))
    upload.send_keys(str(too_large))  # refused by the browser: never sent to the server
    draw.wait_for_contains_text(
        f"#{ids.DRAW_MESSAGE}", "huge.png is too large (5.0 MB); the limit is 5.0 MB", timeout=WAIT
    )
    assert draw.get_logs() == []
