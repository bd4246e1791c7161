"""Multi-digit segmentation: digits found left to right, the strokes of one digit kept together."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.reading.preprocess import EmptyImageError, center_of_mass
from model.reading.segment import read_number, segment_digits
from tests.support.drawing import render


def number(
    digits: list[int], *, width: int = 560, height: int = 280, thickness: int = 16
) -> np.ndarray:
    """A canvas with `digits` drawn side by side, each in its own slot."""
    canvas = np.zeros((height, width), np.uint8)
    slot = width / len(digits)
    for i, digit in enumerate(digits):
        box = ((i * slot + slot * 0.15) / width, 0.1, slot * 0.7 / width, 0.8)
        canvas = np.maximum(
            canvas,
            render(digit, size=max(width, height), box=box, thickness=thickness)[:height, :width],
        )
    return canvas


def test_digits_are_found_left_to_right_with_two_stroke_digits_kept_whole():
    segments = segment_digits(number([4, 7, 5]))  # 4 and 5 are drawn in two strokes each
    assert len(segments) == 3
    lefts = [segment.box[0] for segment in segments]
    assert lefts == sorted(lefts)
    for segment in segments:
        assert segment.input.shape == (28, 28)
        row, col = center_of_mass(segment.input)
        assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_two_stroke_digit_alone_is_one_segment():
    assert len(segment_digits(render(4))) == 1 and len(segment_digits(render(5))) == 1


def test_a_mark_far_above_a_digit_is_not_part_of_it():
    canvas = render(7, box=(0.3, 0.5, 0.3, 0.4))  # about 120 px tall, from row 140
    cv2.line(canvas, (110, 20), (170, 20), 255, 6)  # above the 7, further than half its height
    boxes = [segment.box for segment in segment_digits(canvas)]
    assert len(boxes) == 2 and max(height for _, _, _, height in boxes) < 150


def test_read_number_with_a_real_model(tiny_run):
    from model.core.predictor import load_predictor

    reading = read_number(load_predictor(tiny_run), number([1, 0]))
    assert (
        len(reading.classifications) == 2 and reading.text.isdigit()
    )  # the 0, cut by the canvas's edge, may be refused
    assert all(c.probabilities.shape == (10,) for c in reading.classifications)


def test_empty_number_is_reported():
    with pytest.raises(EmptyImageError):
        segment_digits(np.zeros((280, 560), np.uint8))
