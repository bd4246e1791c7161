"""A budget for every reading, on real generated images: the decoded size from the header, the
parts of a number counted before any is read, the time; over budget is a refusal with its reason."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from model import config
from model.core.predictor import load_predictor
from model.reading import predict
from model.reading.budget import Deadline, TooManyPartsError, TooSlowError, read_header
from model.reading.preprocess import EmptyImageError, decode_image, read_image_file
from model.reading.refusal import Refusal, text
from model.reading.segment import read_number
from tests.support.images import bomb_png, digit_grid_png, dots_png
from tests.support.sketch import TWO_DIGITS, sketch_json


@pytest.fixture(scope="module")
def predictor():
    """The shipped deep CNN."""
    return load_predictor()


def test_a_grid_of_printed_digits_is_too_many_parts_for_a_number(predictor):
    image = decode_image(digit_grid_png())
    with pytest.raises(TooManyPartsError, match=f"at most {config.MAX_PARTS} digits") as error:
        read_number(predictor, image)
    assert error.value.kind is Refusal.TOO_MANY_PARTS
    assert text(error.value.kind).reason.startswith("the image holds too many marks")


def test_a_few_printed_digits_are_still_read_as_a_number(predictor):
    image = cv2.imdecode(np.frombuffer(digit_grid_png(4, 1), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert read_number(predictor, image).text == "0123"


def test_an_image_of_dots_is_reduced_before_it_is_read_then_refused(predictor):
    image = decode_image(dots_png(5000))
    assert image.dtype == np.uint8 and image.size <= config.READ_PIXELS
    with pytest.raises(EmptyImageError):  # single pixels fade to nothing once reduced
        read_number(predictor, image)


def test_a_16_bit_rgba_png_is_decoded_straight_to_8_bit_grey(tmp_path):
    path = tmp_path / "rgba16.png"
    path.write_bytes(bomb_png(5000, bit_depth=16, rgba=True))
    header = read_header(path.read_bytes())
    assert header is not None and header.decoded_bytes == 5000 * 5000 * 4 * 2
    image = read_image_file(path)
    assert image.ndim == 2 and image.dtype == np.uint8 and image.size <= config.READ_PIXELS


def test_a_small_16_bit_rgba_png_keeps_its_transparency(tmp_path):
    path = tmp_path / "small.png"
    pixels = np.zeros((40, 30, 4), np.uint16)
    pixels[10:30, 10:20] = 65535
    cv2.imwrite(str(path), pixels)
    image = read_image_file(path)
    assert image.shape == (40, 30, 4) and image.dtype == np.uint8 and image.max() == 255


def test_a_reading_over_its_time_budget_is_refused(predictor):
    from dashboard.drawing.canvas import canvas_image

    image = canvas_image(sketch_json(TWO_DIGITS))
    assert len(read_number(predictor, image).digits) == 2
    with pytest.raises(TooSlowError, match="took over 0 s") as error:
        read_number(predictor, image, deadline=Deadline(seconds=0.0))
    assert error.value.kind is Refusal.TOO_SLOW


def test_the_cli_says_too_many_parts(tmp_path, capsys):
    path = tmp_path / "grid.png"
    path.write_bytes(digit_grid_png())
    assert predict.main(["--number", str(path), "--json"]) == 0
    reading = json.loads(capsys.readouterr().out)
    assert reading["number"] is None and reading["refusal"] == "too many parts"
    assert f"at most {config.MAX_PARTS} digits" in reading["reason"]
