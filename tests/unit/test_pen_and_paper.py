"""Any pen (stroke-width normalisation), paper photos (lines and shadows removed), the generators
and the gate's training."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from model.generated import synthetic
from model.generated.photos import digit_pools, photo_number
from model.reading import photo, strokes
from model.reading.preprocess import EmptyImageError, extract_ink, frame_digit, preprocess
from model.reading.segment import segment_digits
from tests.support.drawing import render


def test_thinning_gives_a_one_pixel_skeleton():
    bar = np.zeros((40, 80), bool)
    bar[15:27, 10:70] = True
    skeleton = strokes.thin(bar)
    assert skeleton.sum() > 40 and skeleton[:, 20:60].sum(axis=0).max() == 1


def test_mnist_strokes_are_left_alone_and_thick_pens_are_thinned(mnist):
    thinned = [frame_digit(image / 255.0)[1].thinned for image in mnist.x_test[:200]]
    assert sum(thinned) <= 10  # the boldest 2-5% of MNIST's digits are redrawn a little thinner
    width = frame_digit(extract_ink(render(3, box=(0.4, 0.4, 0.13, 0.2), thickness=14)).image)[1]
    assert width.thinned and width.width > strokes.THICK_ABOVE


def test_redrawn_strokes_have_mnist_width():
    ink = extract_ink(render(7, box=(0.4, 0.4, 0.13, 0.2), thickness=14)).image
    crop, info = strokes.normalize_strokes(synthetic.crop_to_ink(ink))
    assert info.thinned
    assert strokes.stroke_width(crop)[0] == pytest.approx(strokes.MNIST_WIDTH, abs=0.6)


def ruled_page(*, grid: bool = False, shadow: bool = True, line: int = 150) -> np.ndarray:
    page = np.full((300, 420), 225, np.float32)
    for y in range(20, 300, 40):
        cv2.line(page, (0, y), (420, y), line, 2)
    if grid:
        for x in range(15, 420, 40):
            cv2.line(page, (x, 0), (x, 300), 150, 2)
    if shadow:
        page[:, 250:] *= 0.6  # a sharp-edged shadow over the right part
    return np.clip(page, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("grid", [False, True])
def test_blank_ruled_or_grid_paper_with_a_shadow_holds_no_ink(grid):
    with pytest.raises(EmptyImageError):
        extract_ink(ruled_page(grid=grid))


def test_writing_across_ruled_lines_is_kept_whole():
    page = ruled_page(shadow=False)
    cv2.line(page, (200, 30), (200, 130), 20, 6)  # a stroke crossing two lines
    ink = extract_ink(page)
    assert len(ink.areas) == 1 and ink.boxes[0][3] >= 95


@pytest.mark.parametrize(
    "line", [150, 215]
)  # dark lines, and faint ones (4% darker than the paper) in noise
@pytest.mark.parametrize("angle", [-4.0, -0.7, 2.5])
def test_the_page_tilt_is_found_to_a_tenth_of_a_degree(angle, line):
    page = ruled_page(line=line).astype(np.float32) + np.random.default_rng(0).normal(
        0, 4, (300, 420)
    )
    turn = cv2.getRotationMatrix2D((210, 150), angle, 1.0)
    tilted = cv2.warpAffine(
        np.clip(page, 0, 255) / 255, turn, (420, 300), borderMode=cv2.BORDER_REPLICATE
    )
    assert photo.tilt(photo.flatten_light(tilted.astype(np.float32), pen=20)) == pytest.approx(
        -angle, abs=0.1
    )


def test_a_number_across_a_tightly_cropped_ruled_page_keeps_its_digits_apart():
    page = ruled_page(shadow=False)
    cv2.putText(
        page, "2222", (30, 261), cv2.FONT_HERSHEY_TRIPLEX, 3.2, 30, 12
    )  # sitting on the line at y=260
    page = page[:, 25:285]  # the digits' bases cover most of the line
    boxes = [segment.box for segment in segment_digits(page)]
    assert len(boxes) == 4 and all(
        height >= 64 for _, _, _, height in boxes
    )  # the line gone, the bases kept


def test_photographed_digits_are_one_part_each_on_ruled_and_grid_paper(mnist):
    # Generated photos (tilt, uneven light and shadows, noise, JPEG) of one handwritten or printed
    # digit: after the
    # lines are removed, the only part as tall as a digit is the digit, shaped like one (not a
    # leftover of a line).
    pools = digit_pools(mnist.x_test, mnist.y_test)
    for seed in range(20):
        image = photo_number(
            np.random.default_rng(seed), pools=pools, text=str(seed % 10), grid=seed % 2 == 1
        ).image
        boxes = [segment.box for segment in segment_digits(image)]
        tallest = max(height for _, _, _, height in boxes)
        digits = [(width, height) for _, _, width, height in boxes if height >= tallest / 2]
        assert len(digits) == 1 and digits[0][0] <= 1.5 * digits[0][1], (seed, boxes)


def test_a_blurred_print_keeps_the_pen_width_not_the_blur():
    drawing = render(4, thickness=10)
    print_ = (255 - 0.8 * cv2.GaussianBlur(drawing.astype(np.float32), (0, 0), 4)).astype(np.uint8)
    assert (
        strokes.stroke_width(preprocess(print_))[0]
        < 1.3 * strokes.stroke_width(preprocess(drawing))[0]
    )


def test_generators_are_reproducible_and_check_their_arguments():
    first, again = synthetic.marks("stars", 3, seed=5), synthetic.marks("stars", 3, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert photo_number(np.random.default_rng(3), text="12").text == "12"
    with pytest.raises(ValueError, match="kind"):
        synthetic.marks("clouds", 1, seed=0)
    with pytest.raises(ValueError, match="text"):
        photo_number(np.random.default_rng(0), text="12a")
    with pytest.raises(ValueError, match="crop"):
        strokes.normalize_strokes(np.zeros((0, 3)))


def test_training_digits_are_turned_whole():
    from model.training.gate_training import turned

    canvas = np.zeros((280, 280), np.uint8)
    canvas[:30, :30] = 255  # ink in a corner, which turning the canvas itself would cut off
    for seed in range(5):
        assert float(turned(canvas, np.random.default_rng(seed)).sum()) == pytest.approx(
            float(canvas.sum()), rel=0.1
        )


@pytest.mark.training
def test_gate_training_writes_a_loadable_gate(tmp_path):
    from model.reading.gate import load_gate
    from model.training.gate_training import main

    out = tmp_path / "gate.keras"
    assert main(["--out", str(out), "--scale", "0.005", "--epochs", "1", "--members", "2"]) == 0
    gate = load_gate(out)
    assert 0.0 <= gate.threshold <= 1.0 and gate.scores(
        np.zeros((2, 28, 28), np.float32)
    ).shape == (2,)
    assert json.loads(out.with_suffix(".json").read_text())["members"] == 2
