"""Draw page: the reading's text and panels, its callbacks called directly and over HTTP, and Chromium with a real mouse.

Browser tests use the shipped model (runs/deep_cnn): a drawn 1, 7 or 0 must be read as such.
Without it they fail (create_app raises RunError); they are never skipped.
"""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import pytest
from dash.testing.wait import until
from drawing import render
from selenium.common.exceptions import TimeoutException
from sketch import CANVAS, draw_digit, sketch_json

from dashboard import ids
from dashboard.reading import EMPTY_TEXT, confidence_bars, input_tiles, prediction_text, reading_bars
from dashboard.settings import Settings
from dashboard.upload import MAX_BYTES
from explorer.callbacks import call
from explorer.conftest import PROJECTION_SIZE, RUN_NAMES
from model import config
from model.inference import Classification

BASELINE, TINY_RUN = RUN_NAMES  # the tiny runs: a baseline MLP and a convnet
WAIT = 10  # seconds a browser test waits for an answer
TWO_DIGITS = {1: (0.08, 0.2, 0.3, 0.6), 0: (0.55, 0.2, 0.35, 0.6)}  # "10", digits well apart


def sure(digit: int, confidence: float = 0.98) -> Classification:
    """A classification (of a blank input) giving `digit` `confidence`, the rest spread evenly."""
    probabilities = np.full(10, (1 - confidence) / 9, np.float32)
    probabilities[digit] = confidence
    return Classification(probabilities, np.zeros((28, 28), np.float32))


# The reading as text and panels


def test_a_sure_digit_is_shown_first_then_its_confidence():
    assert prediction_text([sure(7, 0.981)]) == "7 · 98%"


def test_a_number_is_shown_with_each_digits_confidence():
    assert prediction_text([sure(4, 0.97), sure(2, 0.88)]) == "42 · 97% · 88%"


def test_empty_and_unsure_readings_do_not_begin_with_a_digit():
    assert prediction_text([]) == EMPTY_TEXT
    assert prediction_text([], empty="No digit found") == "No digit found"
    unsure = prediction_text([sure(3, config.UNSURE_BELOW - 0.1)])
    assert unsure.startswith("Not sure") and "best guess 3" in unsure
    assert prediction_text([sure(4), sure(2, 0.3)]).startswith("Not sure · best guess 42")
    for text in (prediction_text([]), unsure):
        assert not text[0].isdigit()


def test_confidence_bars_have_ten_rows_with_the_best_one_marked():
    bars = confidence_bars(sure(6, 0.9).probabilities)
    rows = bars.children
    assert len(rows) == 10
    assert [row.className for row in rows].count("bar best") == 1 and rows[6].className == "bar best"
    assert rows[6].children[2].children == "90.0%"
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        confidence_bars(np.ones(3))


def test_bars_and_inputs_follow_the_number_of_digits_read():
    assert len(reading_bars([])) == 1 and len(reading_bars([sure(1), sure(2)])) == 2
    assert len(input_tiles([sure(1), sure(2), sure(3)]).children) == 3
    assert "Nothing" in input_tiles([]).children.children


# Callbacks called directly (in a request context of an app on the tiny runs)


@pytest.fixture
def draw_page(service):
    """The Draw page module, imported by the app's page registry."""
    from dashboard.pages import draw

    return draw


def stroke(draw_page, json_data, *, mode: str = "digit", source: str = "empty", contents=None):
    """The reading's outputs after a stroke that left `json_data` on the canvas."""
    return call(draw_page.show_reading, f"{ids.DRAW_CANVAS}.trigger", 1, contents, 0, mode, TINY_RUN, json_data,
                source, draw_page.BACKGROUNDS[0])


def heatmap(draw_page, source: str, method: str, json_data, *, mode: str = "digit", run: str = TINY_RUN, contents=None):
    """The heatmap callback's figure once the reading wrote `source`."""
    return call(draw_page.show_heatmap, f"{ids.DRAW_SOURCE}.data", source, method, json_data, contents, mode, run)


def test_a_drawing_is_read_with_its_input_and_bars(draw_page):
    text, message, bars, inputs, source, background, upload = stroke(draw_page, sketch_json(7))
    assert text[0].isdigit() or text.startswith("Not sure")
    assert message == "" and source == "canvas" and len(bars) == 1 and len(inputs.children) == 1
    image = inputs.children[0].children[0].src
    assert image.startswith("data:image/png;base64,")


@pytest.mark.parametrize("payload, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"objects": [{"type": "path", "path": [["M", 1]]}]}), "must carry 2 numbers"),
    ('{"objects": [' + ", ".join(['{"type": "image"}'] * 300_000) + "]}", "too large"),
    (["not", "a", "string"], "must be a JSON string"),
])
def test_malformed_or_huge_canvas_data_gets_a_clear_message(draw_page, payload, message):
    text, shown, bars, inputs, source, *_ = stroke(draw_page, payload)
    assert text == "Cannot read the drawing" and message in shown and shown[0].isupper()
    assert source == "empty" and "Nothing" in inputs.children.children


def test_a_stroke_drops_the_upload_and_an_upload_clears_the_canvas(draw_page):
    *_, background, upload = stroke(draw_page, sketch_json(1), contents="data:image/png;base64,AAAA", source="upload")
    assert upload is None and background is draw_page.no_update
    png = "data:image/png;base64," + base64.b64encode(cv2.imencode(".png", 255 - render(3))[1].tobytes()).decode()
    text, message, *_, source, background, upload = call(
        draw_page.show_reading, f"{ids.DRAW_UPLOAD}.contents", 1, png, 0, "digit", TINY_RUN, sketch_json(1), "canvas",
        draw_page.BACKGROUNDS[0])
    assert (text[0].isdigit() or text.startswith("Not sure")) and message == ""
    assert source == "upload" and background == draw_page.BACKGROUNDS[1] and upload is draw_page.no_update


def test_bad_uploads_get_a_message_and_no_reading(draw_page):
    for contents, words in (("data:", "empty"), ("data:text/plain;base64,aGVsbG8=", "not an image")):
        text, message, *_ = call(draw_page.show_reading, f"{ids.DRAW_UPLOAD}.contents", 1, contents, 0, "digit",
                                 TINY_RUN, "", "empty", draw_page.BACKGROUNDS[0])
        assert text == "Cannot read the upload" and words in message
    blank = "data:image/png;base64," + base64.b64encode(cv2.imencode(".png", np.full((90, 90), 250, np.uint8))[1]).decode()
    text, message, *_ = call(draw_page.show_reading, f"{ids.DRAW_UPLOAD}.contents", 1, blank, 0, "digit", TINY_RUN, "",
                             "empty", draw_page.BACKGROUNDS[0])
    assert text == "No digit found" and "almost no ink" in message


def test_clear_resets_the_reading_and_the_canvas(draw_page):
    text, message, bars, inputs, source, background, upload = call(
        draw_page.show_reading, f"{ids.DRAW_CLEAR}.n_clicks", 1, None, 1, "digit", TINY_RUN, sketch_json(7), "canvas",
        draw_page.BACKGROUNDS[1])
    assert text == EMPTY_TEXT and message == "" and source == "empty" and background == draw_page.BACKGROUNDS[0]
    assert "Nothing" in inputs.children.children


def test_number_mode_reads_each_digit_and_explains_each(draw_page):
    text, _, bars, inputs, *_ = stroke(draw_page, sketch_json(TWO_DIGITS), mode="number")
    assert len(inputs.children) == 2 and len(bars) == 2
    figure = heatmap(draw_page, "canvas", "vanilla", sketch_json(TWO_DIGITS), mode="number")
    assert len(figure.data) == 4  # the digit and its heatmap, for each of the two digits


def test_the_heatmap_is_empty_for_nothing_and_explains_a_method_error(draw_page):
    empty = heatmap(draw_page, "empty", "integrated_gradients", sketch_json(7))  # cleared: the JSON is stale
    assert not empty.data and "Draw a digit" in empty.layout.annotations[0].text
    assert len(heatmap(draw_page, "canvas", "gradcam", sketch_json(7)).data) == 2
    baseline = heatmap(draw_page, "canvas", "gradcam", sketch_json(7), run=BASELINE)
    assert "Grad-CAM needs a convolutional layer" in baseline.layout.annotations[0].text
    broken = heatmap(draw_page, "canvas", "vanilla", "{broken")
    assert not broken.data  # the reading's message says what is wrong


def test_a_huge_payload_over_http_gets_a_message_and_the_server_keeps_answering(app):
    key = next(key for key in app.callback_map if f"{ids.DRAW_PREDICTION}.children" in key)
    spec = app.callback_map[key]
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in key.strip(".").split("...")]

    def body(json_data: str) -> dict:
        values = {f"{ids.DRAW_CANVAS}.json_data": json_data, f"{ids.DRAW_SOURCE}.data": "canvas",
                  f"{ids.RUN_SELECT}.value": TINY_RUN, f"{ids.DRAW_MODE}.value": "digit",
                  f"{ids.DRAW_CANVAS}.image_content": ""}
        fill = lambda items: [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]  # noqa: E731
        return {"output": key, "outputs": outputs, "inputs": fill(spec["inputs"]), "state": fill(spec["state"]),
                "changedPropIds": [f"{ids.DRAW_CANVAS}.trigger"]}

    client = app.server.test_client()
    huge = json.dumps({"objects": [{"type": "path", "strokeWidth": 9, "path": [["L", 1.5, 2.5]] * 200_000}]})
    answer = client.post("/_dash-update-component", json=body(huge))
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    assert response[ids.DRAW_PREDICTION]["children"] == "Cannot read the drawing"
    assert "too large" in response[ids.DRAW_MESSAGE]["children"]
    again = client.post("/_dash-update-component", json=body(sketch_json(7))).get_json()["response"]
    assert again[ids.DRAW_PREDICTION]["children"] != "Cannot read the drawing"


# Chromium, real mouse strokes, the shipped model


@pytest.fixture
def shipped_app(cache_dir):
    """A fresh app on the shipped model, runs/deep_cnn (RunError, so a failure, if it is missing)."""
    from dashboard.app import create_app

    return create_app(Settings(runs_dir=config.DEFAULT_RUN.parent, run=config.DEFAULT_RUN, cache_dir=cache_dir,
                               projection_size=PROJECTION_SIZE))


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
        raise AssertionError(f"no {what} within {WAIT} s; #prediction says {prediction(duo)!r}") from None
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
    """Wait until the saliency figure shows a heatmap for each digit of `reading` ("10 · 99% · 97%"), titled so."""
    number, *confidences = reading.split(" · ")
    titles = [f"{digit} · {confidence}" for digit, confidence in zip(number, confidences, strict=True)]
    script = (f"const g = document.querySelector('#{ids.DRAW_SALIENCY} .js-plotly-plot');"
              "return g && g.data.length ? (g.layout.annotations || []).map(a => a.text) : null;")
    until(lambda: duo.driver.execute_script(script) == titles, timeout=WAIT,
          msg=f"no heatmaps titled {titles} within {WAIT} s")


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
    wait_for_heatmaps(draw, wait_for_prediction(draw, lambda text: text.startswith("1 · "), "the 1 drawn after Clear"))
    assert draw.get_logs() == []


def test_two_separated_digits_in_number_mode_show_the_number(draw):
    draw.find_element(f"#{ids.DRAW_MODE} input[value='number']").click()
    for digit, box in TWO_DIGITS.items():
        draw_digit(draw.driver, canvas(draw), digit, box)
    text = wait_for_prediction(draw, lambda text: text.startswith("10") or text.startswith("Not sure · best guess 10"),
                               "the number 10")
    assert text.startswith("10 · "), text
    assert len(draw.find_elements(f"#{ids.DRAW_INPUT} img")) == 2
    wait_for_heatmaps(draw, text)
    assert draw.get_logs() == []


def test_an_uploaded_photo_is_read_and_a_bad_file_gets_a_message(draw, tmp_path):
    photo = tmp_path / "four.jpg"
    paper = render(4, size=600, ink=40, background=215, thickness=34)  # dark ink on light paper, like a scan
    noisy = np.clip(paper + np.random.default_rng(0).normal(0, 6, paper.shape), 0, 255).astype(np.uint8)
    cv2.imwrite(str(photo), noisy)
    upload = draw.find_element(f"#{ids.DRAW_UPLOAD} input[type=file]")
    upload.send_keys(str(photo))
    text = wait_for_prediction(draw, lambda text: text not in (EMPTY_TEXT, ""), "a reading of the photo")
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
    draw.wait_for_contains_text(f"#{ids.DRAW_MESSAGE}", "huge.png is too large (5.0 MB); the limit is 5.0 MB",
                                timeout=WAIT)
    assert draw.get_logs() == []
