"""How the Draw page shows a reading: refused marks, the best guess, the pen hint, the uploaded
image with its boxes."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.drawing.reading import (
    input_tiles,
    prediction_text,
    prediction_view,
    reading_bars,
    reading_message,
)
from dashboard.figures.upload import MAX_SIDE, fig_upload
from model.reading.classify import Classification
from model.reading.refusal import Caveat, Refusal, sentence, text
from model.reading.strokes import StrokeInfo


def classification(
    digit: int,
    confidence: float,
    *,
    refused: bool = False,
    box=(0, 0, 10, 10),
    pen: StrokeInfo | None = None,
) -> Classification:
    probabilities = np.full(10, (1 - confidence) / 9, np.float32)
    probabilities[digit] = confidence
    refusal = Refusal.NOT_A_DIGIT if refused else None
    return Classification(
        probabilities, np.zeros((28, 28), np.float32), 0.1 if refused else 0.9, refusal, box, pen
    )


def text_of(view) -> str:
    return (
        view
        if isinstance(view, str)
        else "".join(part if isinstance(part, str) else part.children for part in view)
    )


REFUSED_TEXT = text(Refusal.NOT_A_DIGIT).label


def test_a_refused_mark_says_not_a_digit_with_the_best_guess_in_grey():
    reading = [classification(0, 0.97, refused=True)]
    assert prediction_text(reading) == f"{REFUSED_TEXT} · best guess 0 (97%)"
    view = prediction_view(reading)
    assert (
        view[0] == REFUSED_TEXT
        and view[1].className == "best-guess"
        and text_of(view) == prediction_text(reading)
    )
    assert reading_bars(reading)[0].className == "bars refused"
    assert "not a digit (0?)" in str(input_tiles(reading))


def test_marks_refused_beside_digits_are_left_out_of_the_number_and_counted():
    reading = [
        classification(4, 0.99),
        classification(8, 0.9, refused=True),
        classification(2, 0.98),
    ]
    assert prediction_text(reading) == "42 · 99% · 98%"
    assert prediction_view(reading) == "42 · 99% · 98%"
    assert reading_message(reading) == "1 mark that is not a digit left out."
    assert [bars.className for bars in reading_bars(reading)] == ["bars", "bars refused", "bars"]


def test_a_sure_digit_and_an_unsure_one_read_as_before():
    assert prediction_text([classification(7, 0.98)]) == "7 · 98%"
    assert prediction_text([classification(7, 0.4)]).startswith("Not sure · best guess 7")
    assert reading_message([classification(7, 0.98)]) == ""


def test_a_pen_too_thick_for_the_drawing_gets_a_hint():
    hint = sentence(text(Caveat.TOO_SMALL_FOR_THE_PEN).reason)
    assert (
        hint == "The pen is thick for a drawing this small: draw bigger, or choose a thinner pen."
    )
    thick = StrokeInfo(width=7.0, ratio=0.45, thinned=True)
    assert thick.pen_too_thick
    assert hint in reading_message([classification(3, 0.9, pen=thick)])
    assert hint not in reading_message([classification(3, 0.9, pen=StrokeInfo(2.5, 0.12, False))])


def test_the_upload_figure_boxes_each_mark_scaled_to_the_shown_image():
    photo = np.full((1200, 2400, 3), 230, np.uint8)
    figure = fig_upload(
        photo,
        [(100, 200, 300, 400), (1000, 200, 300, 400)],
        ["4 · 99%", "not a digit"],
        [False, True],
        title="number.jpg",
    )
    shown = figure.data[0].z
    assert max(shown.shape[:2]) == MAX_SIDE and figure.layout.title.text == "number.jpg"
    scale = MAX_SIDE / 2400
    first, second = figure.layout.shapes
    assert (first.x0, first.y0, first.x1, first.y1) == pytest.approx(
        (100 * scale, 200 * scale, 400 * scale, 600 * scale)
    )
    assert first.line.dash == "solid" and second.line.dash == "dash"
    assert [a.text for a in figure.layout.annotations] == ["4 · 99%", "not a digit"]


def test_the_upload_figure_shows_16_bit_and_float_scans_and_checks_its_lists():
    for scan in (
        np.arange(100 * 80, dtype=np.uint16).reshape(100, 80),
        np.full((50, 50), np.nan, np.float32),
    ):
        assert fig_upload(scan, [], [], [], title="scan").data[0].z.dtype == np.uint8
    with pytest.raises(ValueError, match="one entry per mark"):
        fig_upload(np.zeros((10, 10), np.uint8), [(0, 0, 1, 1)], [], [], title="x")
