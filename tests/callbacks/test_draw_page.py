"""Draw page: the reading's text and panels, its callbacks called directly and over HTTP, and
Chromium with a real mouse.

Browser tests use the shipped model (the run runs/DEFAULT names): a drawn 1, 7 or 0 must be read
as such. Without it they fail (create_app raises RunError); they are never skipped.
"""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import pytest
from dash import no_update

from dashboard import ids
from dashboard.drawing.kept import DRAW_AGAIN, readings
from dashboard.drawing.reading import (
    EMPTY_TEXT,
    confidence_bars,
    input_tiles,
    prediction_text,
    reading_bars,
)
from model import config
from model.insight.saliency import normalize_heatmap
from model.reading.classify import Classification
from tests.support.callbacks import call
from tests.support.constants import RUN_NAMES
from tests.support.drawing import render
from tests.support.sketch import TWO_DIGITS, sketch_json

BASELINE, TINY_RUN = RUN_NAMES  # the tiny runs: a baseline MLP and a convnet


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
    assert [row.className for row in rows].count("bar best") == 1 and rows[
        6
    ].className == "bar best"
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


def reading_outputs(*args) -> tuple:
    """The reading callback's outputs but the upload view and the board's class (the last two)."""
    return call(*args)[:8]


def stroke(draw_page, json_data, *, mode: str = "digit", source: str = "empty", contents=None):
    """The reading's outputs after a stroke that left `json_data` on the canvas."""
    return reading_outputs(
        draw_page.show_reading,
        f"{ids.DRAW_CANVAS}.trigger",
        1,
        contents,
        0,
        mode,
        TINY_RUN,
        json_data,
        source,
        draw_page.BACKGROUNDS[0],
    )


def heatmap(draw_page, read, method: str, *, run: str = TINY_RUN):
    """The heatmap by `method` of the reading kept under id `read` (the method changed)."""
    return call(draw_page.show_heatmap, f"{ids.DRAW_METHOD}.value", read, method, run)


def test_a_drawing_is_read_with_its_input_and_bars(draw_page):
    text, message, bars, inputs, source, background, upload, read = stroke(
        draw_page, sketch_json(7)
    )
    assert text[0].isdigit() or text.startswith("Not sure")
    assert message == "" and source == "canvas" and len(bars) == 1 and len(inputs.children) == 1
    kept = readings().get(read)
    assert len(kept) == 1 and (kept[0].digit == int(text[0]) if text[0].isdigit() else True)
    image = inputs.children[0].children[0].src
    assert image.startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"objects": [{"type": "path", "path": [["M", 1]]}]}), "must carry 2 numbers"),
        ('{"objects": [' + ", ".join(['{"type": "image"}'] * 300_000) + "]}", "too large"),
        (["not", "a", "string"], "must be a JSON string"),
    ],
)
def test_malformed_or_huge_canvas_data_gets_a_clear_message(draw_page, payload, message):
    text, shown, bars, inputs, source, *_ = stroke(draw_page, payload)
    assert text == "Cannot read the drawing" and message in shown and shown[0].isupper()
    assert source == "empty" and "Nothing" in inputs.children.children


def test_a_stroke_drops_the_upload_and_an_upload_clears_the_canvas(draw_page):
    *_, background, upload, _ = stroke(
        draw_page, sketch_json(1), contents="data:image/png;base64,AAAA", source="upload"
    )
    assert upload is None and background is no_update
    png = (
        "data:image/png;base64,"
        + base64.b64encode(cv2.imencode(".png", 255 - render(3))[1].tobytes()).decode()
    )
    text, message, *_, source, background, upload, _ = reading_outputs(
        draw_page.show_reading,
        f"{ids.DRAW_UPLOAD}.contents",
        1,
        png,
        0,
        "digit",
        TINY_RUN,
        sketch_json(1),
        "canvas",
        draw_page.BACKGROUNDS[0],
    )
    assert (text[0].isdigit() or text.startswith("Not sure")) and message == ""
    assert source == "upload" and background == draw_page.BACKGROUNDS[1] and upload is no_update


def test_bad_uploads_get_a_message_and_no_reading(draw_page):
    for contents, words in (
        ("data:", "empty"),
        ("data:text/plain;base64,aGVsbG8=", "not an image"),
    ):
        text, message, *_ = reading_outputs(
            draw_page.show_reading,
            f"{ids.DRAW_UPLOAD}.contents",
            1,
            contents,
            0,
            "digit",
            TINY_RUN,
            "",
            "empty",
            draw_page.BACKGROUNDS[0],
        )
        assert text == "Cannot read the upload" and words in message
    blank = (
        "data:image/png;base64,"
        + base64.b64encode(cv2.imencode(".png", np.full((90, 90), 250, np.uint8))[1]).decode()
    )
    text, message, *_ = reading_outputs(
        draw_page.show_reading,
        f"{ids.DRAW_UPLOAD}.contents",
        1,
        blank,
        0,
        "digit",
        TINY_RUN,
        "",
        "empty",
        draw_page.BACKGROUNDS[0],
    )
    assert text == "No digit found" and "almost no ink" in message


def test_clear_resets_the_reading_and_the_canvas(draw_page):
    text, message, bars, inputs, source, background, upload, read = reading_outputs(
        draw_page.show_reading,
        f"{ids.DRAW_CLEAR}.n_clicks",
        1,
        None,
        1,
        "digit",
        TINY_RUN,
        sketch_json(7),
        "canvas",
        draw_page.BACKGROUNDS[1],
    )
    assert (
        text == EMPTY_TEXT
        and message == ""
        and source == "empty"
        and background == draw_page.BACKGROUNDS[0]
    )
    assert read is None
    assert "Nothing" in inputs.children.children


def test_number_mode_reads_each_digit_and_explains_each(draw_page):
    text, _, bars, inputs, *_, read = stroke(draw_page, sketch_json(TWO_DIGITS), mode="number")
    assert len(inputs.children) == 2 and len(bars) == 2 and len(readings().get(read)) == 2
    figure = heatmap(draw_page, read, "vanilla")
    assert len(figure.data) == 4  # the digit and its heatmap, for each of the two digits


def test_the_heatmap_is_empty_for_nothing_and_explains_a_method_error(draw_page):
    empty = heatmap(draw_page, None, "integrated_gradients")  # cleared
    assert not empty.data and "Draw a digit" in empty.layout.annotations[0].text
    read = stroke(draw_page, sketch_json(7))[-1]
    assert len(heatmap(draw_page, read, "gradcam").data) == 2
    baseline = heatmap(draw_page, read, "gradcam", run=BASELINE)
    assert "Grad-CAM needs a convolutional layer" in baseline.layout.annotations[0].text


def test_the_heatmap_explains_exactly_the_input_the_reading_stored(draw_page, service):
    text, *_, read = stroke(draw_page, sketch_json(7))
    stored = readings().get(read)[0]
    figure = heatmap(draw_page, read, "vanilla")
    expected = normalize_heatmap(
        service.explainer(TINY_RUN).explain(stored.input, "vanilla", stored.digit), signed=False
    )
    np.testing.assert_allclose(np.asarray(figure.data[1].z, float), expected, atol=1e-3)


@pytest.mark.parametrize(
    "read", ["not an id", ["a", "list"], {"input": "AAAA"}, 7, f"{'0' * 32}-{'0' * 16}"]
)
def test_a_tampered_or_expired_id_says_draw_again_not_an_error(draw_page, read):
    figure = heatmap(draw_page, read, "vanilla")
    assert not figure.data and DRAW_AGAIN in figure.layout.annotations[0].text


def test_a_new_reading_brings_the_heatmap_and_the_what_if_card_by_its_id(draw_page):
    from dashboard.drawing import whatif
    from model.insight.whatif import SETTINGS

    slider_ids = [{"type": ids.DRAW_WHATIF, "setting": name} for name in SETTINGS]
    values = [SETTINGS[name].identity for name in SETTINGS]
    read = stroke(draw_page, sketch_json(7))[7]
    new_reading = f"{ids.DRAW_READ}.data"
    views = (draw_page.show_views, new_reading)
    saliency, tile, sweep = call(
        *views, read, TINY_RUN, "calibrated", "vanilla", values, slider_ids
    )
    assert len(saliency.data) == 2 and "reads" in str(tile)
    assert saliency == heatmap(draw_page, read, "vanilla")  # as the method's own callback has it
    assert sweep == whatif.show_sweep(read, values, TINY_RUN, slider_ids)
    cleared = call(*views, None, TINY_RUN, "calibrated", "vanilla", values, slider_ids)
    assert "Draw a digit" in cleared[0].layout.annotations[0].text and "Draw a digit" in str(
        cleared[1]
    )
    expired = call(*views, f"{'0' * 32}-{'0' * 16}", TINY_RUN, "calibrated", None, values, None)
    assert DRAW_AGAIN in expired[0].layout.annotations[0].text and DRAW_AGAIN in str(expired[1])


def test_a_tabs_readings_share_its_session(draw_page):
    first = stroke(draw_page, sketch_json(7))[7]
    again = call(
        draw_page.show_reading,
        f"{ids.DRAW_CANVAS}.trigger",
        2,
        None,
        0,
        "digit",
        TINY_RUN,
        sketch_json(1),
        "canvas",
        draw_page.BACKGROUNDS[0],
        "calibrated",
        None,
        first,
    )
    assert len(again) == 10 and again[7] != first
    assert again[7].split("-")[0] == first.split("-")[0]
    assert readings().get(first) and readings().get(again[7])


def test_a_huge_payload_over_http_gets_a_message_and_the_server_keeps_answering(app):
    key = next(key for key in app.callback_map if f"{ids.DRAW_PREDICTION}.children" in key)
    spec = app.callback_map[key]
    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1), strict=False))
        for part in key.strip(".").split("...")
    ]

    def body(json_data: str) -> dict:
        values = {
            f"{ids.DRAW_CANVAS}.json_data": json_data,
            f"{ids.DRAW_SOURCE}.data": "canvas",
            f"{ids.RUN_SELECT}.value": TINY_RUN,
            f"{ids.DRAW_MODE}.value": "digit",
            f"{ids.DRAW_CANVAS}.image_content": "",
        }

        def fill(items):
            return [
                {**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items
            ]

        return {
            "output": key,
            "outputs": outputs,
            "inputs": fill(spec["inputs"]),
            "state": fill(spec["state"]),
            "changedPropIds": [f"{ids.DRAW_CANVAS}.trigger"],
        }

    client = app.server.test_client()
    huge = json.dumps(
        {"objects": [{"type": "path", "strokeWidth": 9, "path": [["L", 1.5, 2.5]] * 200_000}]}
    )
    answer = client.post("/_dash-update-component", json=body(huge))
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    assert response[ids.DRAW_PREDICTION]["children"] == "Cannot read the drawing"
    assert "too large" in response[ids.DRAW_MESSAGE]["children"]
    again = client.post("/_dash-update-component", json=body(sketch_json(7))).get_json()["response"]
    assert again[ids.DRAW_PREDICTION]["children"] != "Cannot read the drawing"


# Chromium, real mouse strokes, the shipped model


def test_a_stroke_is_read_once_and_the_run_directory_never_listed(draw_page, monkeypatch):
    from dashboard.service import service as service_module

    reads, listings = [], []
    classify = service_module.classify
    monkeypatch.setattr(
        service_module,
        "classify",
        lambda predictor, image: reads.append(1) or classify(predictor, image),
    )
    monkeypatch.setattr(service_module, "list_runs", lambda root: listings.append(root) or [])
    read = stroke(draw_page, sketch_json(7))[-1]
    heatmap(draw_page, read, "vanilla")
    assert reads == [1] and listings == []


def data_url(image: np.ndarray, extension: str = ".png") -> str:
    """A `dcc.Upload`-style data URL of `image` encoded by OpenCV."""
    return (
        "data:image/png;base64,"
        + base64.b64encode(cv2.imencode(extension, image)[1].tobytes()).decode()
    )


def test_an_upload_is_shown_in_place_of_the_canvas_with_a_box_per_mark(draw_page):
    from model.generated.photos import photo_number

    photo = photo_number(np.random.default_rng(3), text="42", grid=False)
    outputs = call(
        draw_page.show_reading,
        f"{ids.DRAW_UPLOAD}.contents",
        1,
        data_url(photo.image, ".jpg"),
        0,
        "number",
        TINY_RUN,
        "",
        "empty",
        draw_page.BACKGROUNDS[0],
        "calibrated",
        "forty-two.jpg",
    )
    text, message, bars, inputs, source, *_ = outputs
    read, view, board = outputs[7:10]
    assert source == "upload" and board == "draw-board showing-upload"
    assert view.layout.title.text == "forty-two.jpg" and view.data[0].type == "image"
    assert len(view.layout.shapes) == len(readings().get(read)) == len(bars) == 2
    xs = [shape.x0 for shape in view.layout.shapes]
    assert xs == sorted(xs)  # left to right, as the number reads
    bad = call(
        draw_page.show_reading,
        f"{ids.DRAW_UPLOAD}.contents",
        2,
        "data:text/plain;base64,aGVsbG8=",
        0,
        "number",
        TINY_RUN,
        "",
        "upload",
        draw_page.BACKGROUNDS[1],
        "calibrated",
        "notes.txt",
    )
    assert (
        bad[0] == "Cannot read the upload"
        and bad[7] is None
        and "not an image" in bad[8].layout.annotations[0].text
    )
    assert "Nothing" in str(bad[3])  # the old reading is gone


def test_a_mark_that_is_not_a_digit_is_refused_on_the_page(draw_page):
    from model.generated import synthetic

    hash_sign = np.zeros((280, 280), np.uint8)
    mark = synthetic.render_text("#", height=180, thickness=18)
    hash_sign[50 : 50 + mark.shape[0], 50 : 50 + mark.shape[1]] = mark[:230, :230]
    outputs = call(
        draw_page.show_reading,
        f"{ids.DRAW_UPLOAD}.contents",
        1,
        data_url(hash_sign),
        0,
        "digit",
        TINY_RUN,
        "",
        "empty",
        draw_page.BACKGROUNDS[0],
        "calibrated",
        "hash.png",
    )
    view, bars = outputs[0], outputs[2]
    assert view[0] == "Not a digit" and "best guess" in view[1].children
    assert bars[0].className == "bars refused"
