"""The Draw page's inputs: dash-canvas JSON parsed and rasterized, uploads decoded, each with clear
errors."""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import pytest

from dashboard.drawing import canvas
from dashboard.drawing.upload import upload_image
from model.reading.preprocess import ImageReadError
from tests.support.drawing import DIGIT_STROKES, render
from tests.support.sketch import sketch_json


def data_url(data: bytes, mime: str = "image/png") -> str:
    """`data` as dcc.Upload delivers it."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def png_bytes(image: np.ndarray) -> bytes:
    """`image` encoded as a PNG file."""
    return cv2.imencode(".png", image)[1].tobytes()


def test_strokes_are_parsed_with_their_points_and_width():
    strokes = canvas.parse_strokes(sketch_json(4, pen=22))
    assert len(strokes) == len(DIGIT_STROKES[4]) == 2
    assert all(stroke.width == 22 for stroke in strokes)
    first = strokes[0].points
    assert first.shape[1] == 2 and first.shape[0] == 2 * len(
        DIGIT_STROKES[4][0]
    )  # M, Q (2 points each) and L
    assert first[0] == pytest.approx([(0.25 + 0.6 * 0.5) * 280, (0.1 + 0.8 * 0.05) * 280])


def test_rasterized_strokes_match_the_drawing_they_came_from():
    image = canvas.canvas_image(sketch_json({7: (0.2, 0.1, 0.6, 0.8)}))  # drawing.render's box
    assert image.shape == (280, 280) and image.dtype == np.uint8
    assert image[0, 0] == 0 and image.max() == 255  # white ink on black
    expected = render(7, thickness=18)
    overlap = ((image > 127) & (expected > 127)).sum() / ((image > 127) | (expected > 127)).sum()
    assert overlap > 0.85


def test_strokes_land_where_they_were_drawn():
    one = canvas.canvas_image(sketch_json({1: (0.0, 0.0, 0.3, 0.3)}))
    rows, cols = np.nonzero(one)
    assert rows.max() < 0.3 * 280 + 18 and cols.max() < 0.3 * 280 + 18


@pytest.mark.parametrize("nothing", ["", None, json.dumps({"objects": [{"type": "image"}]})])
def test_nothing_drawn_is_a_black_image(nothing):
    image = canvas.canvas_image(nothing)
    assert image.shape == (280, 280) and not image.any()


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "list of 'objects'"),
        (json.dumps({"objects": "a"}), "list of 'objects'"),
        (
            json.dumps({"objects": [{"type": "path", "path": "M 0 0"}]}),
            "must be a list of commands",
        ),
        (
            json.dumps({"objects": [{"type": "path", "path": [["Z", 1, 2]]}]}),
            "starting with one of",
        ),
        (
            json.dumps({"objects": [{"type": "path", "path": [["Q", 1, 2]]}]}),
            "must carry 4 numbers",
        ),
        (json.dumps({"objects": [{"type": "path", "path": [["M", "a", 2]]}]}), "finite number"),
        ('{"objects": [{"type": "path", "path": [["M", NaN, 2]]}]}', "finite number"),
        (
            json.dumps({"objects": [{"type": "path", "strokeWidth": -3, "path": [["M", 1, 2]]}]}),
            "'strokeWidth'",
        ),
        (
            json.dumps({"objects": [{"type": "path", "strokeWidth": 1e9, "path": [["M", 1, 2]]}]}),
            "'strokeWidth'",
        ),
        (12, "must be a JSON string"),
    ],
)
def test_malformed_canvas_data_is_refused_with_a_clear_message(payload, message):
    with pytest.raises(ValueError, match=message):
        canvas.canvas_image(payload)


def test_huge_canvas_data_is_refused_before_parsing():
    huge = '{"objects": [' + ", ".join(['{"type": "image"}'] * 200_000) + "]}"
    assert len(huge) > canvas.MAX_JSON_CHARS
    with pytest.raises(ValueError, match="too large"):
        canvas.canvas_image(huge)


def test_too_many_points_are_refused():
    path = [["M", 1, 1]] + [["L", 5, 5]] * (canvas.MAX_POINTS + 1)
    payload = json.dumps({"objects": [{"type": "path", "strokeWidth": 10, "path": path}]})
    assert len(payload) < canvas.MAX_JSON_CHARS
    with pytest.raises(ValueError, match="too many points"):
        canvas.canvas_image(payload)


def test_far_away_coordinates_are_clipped_not_overflowing():
    payload = json.dumps(
        {
            "objects": [
                {"type": "path", "strokeWidth": 10, "path": [["M", -1e12, 140], ["L", 1e12, 140]]}
            ]
        }
    )
    image = canvas.canvas_image(payload)
    assert image[140].min() == 255 and image[:100].max() == 0


def test_the_two_backgrounds_differ_in_bytes_but_not_in_pixels():
    first, second = canvas.blank_backgrounds()
    assert first != second
    images = [
        cv2.imdecode(
            np.frombuffer(base64.b64decode(url.split(",")[1]), np.uint8), cv2.IMREAD_UNCHANGED
        )
        for url in (first, second)
    ]
    assert (
        images[0].shape == images[1].shape == (140, 141)
    )  # 280 x 280 at dash-canvas's width of 282
    assert not images[0].any() and not images[1].any()


def test_an_uploaded_png_is_decoded():
    image = upload_image(data_url(png_bytes(render(3))))
    assert image.shape == (280, 280) and image.max() == 255


def test_an_upload_over_the_limit_is_refused_without_decoding():
    contents = data_url(b"\x89PNG" + bytes(2_000_000))
    with pytest.raises(ValueError, match=r"too large \(1\.9 MB\); the limit is 1\.0 MB"):
        upload_image(contents, max_bytes=1024 * 1024)


@pytest.mark.parametrize(
    "contents, error, message",
    [
        (data_url(b"", "application/octet-stream"), ImageReadError, "empty"),
        ("data:", ImageReadError, "empty"),  # how Chromium reads an empty file
        (data_url(b"hello, not an image", "text/plain"), ImageReadError, "not an image"),
        ("data:image/png;base64,@@@@", ValueError, "damaged"),
        ("just text", ValueError, "not a file"),
        (None, ValueError, "not a file"),
    ],
)
def test_bad_uploads_get_clear_messages(contents, error, message):
    with pytest.raises(error, match=message):
        upload_image(contents)
