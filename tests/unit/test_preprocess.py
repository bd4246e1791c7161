"""Preprocessing: any digit image becomes a 28x28 input made the way MNIST digits were made."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.reading.preprocess import (
    EmptyImageError,
    ImageReadError,
    center_of_mass,
    decode_image,
    extract_ink,
    preprocess,
    read_image_file,
)
from tests.support.drawing import render


def longer_side(image: np.ndarray) -> int:
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return int(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))


CASES = {
    "centred": dict(),
    "off centre": dict(box=(0.02, 0.55, 0.3, 0.4)),
    "small": dict(box=(0.45, 0.4, 0.12, 0.18), thickness=4),
    "thick": dict(thickness=45),
    "dark on light": dict(ink=20, background=235),
}


@pytest.mark.parametrize("digit", [0, 1, 4, 7])
@pytest.mark.parametrize("case", CASES)
def test_fits_20px_box_and_centres_mass(case, digit):
    out = preprocess(render(digit, **CASES[case]))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0 and out.max() > 0.9
    assert longer_side(out) == 20
    row, col = center_of_mass(out)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_off_centre_and_centred_drawings_give_nearly_the_same_input():
    centred, moved = preprocess(render(7)), preprocess(render(7, box=(0.05, 0.45, 0.45, 0.5)))
    assert np.corrcoef(centred.ravel(), moved.ravel())[0, 1] > 0.8


def assert_nearly_the_same(on_paper: np.ndarray, on_canvas: np.ndarray) -> None:
    """On paper, ink fainter than half the strokes is the blur's halo and is cut, so the
    anti-aliased edges of the
    strokes differ by a fraction of a pixel from the canvas's; the digit is the same."""
    assert np.abs(on_paper - on_canvas).mean() < 0.01
    assert np.corrcoef(on_paper.ravel(), on_canvas.ravel())[0, 1] > 0.99


@pytest.mark.parametrize("digit", [0, 1, 7])
def test_inverted_digit_gives_nearly_the_same_input(digit):
    drawing = render(digit)
    assert_nearly_the_same(preprocess(255 - drawing), preprocess(drawing))


def test_photo_with_uneven_lighting_matches_the_clean_drawing():
    clean = render(4, size=600, thickness=30)
    rows, cols = np.indices(clean.shape)
    paper = (
        120 + 100 * (cols / 600) + 25 * np.sin(rows / 90)
    )  # shadowed paper, brighter on the right
    noise = np.random.default_rng(0).normal(0, 6, clean.shape)
    photo = np.clip(paper * (1 - 0.7 * clean / 255) + noise, 0, 255).astype(np.uint8)
    bgr = cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR)
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    from_photo = preprocess(decode_image(jpeg.tobytes()))
    assert np.corrcoef(from_photo.ravel(), preprocess(clean).ravel())[0, 1] > 0.9


def test_mnist_digits_come_back_almost_unchanged(mnist):
    images = mnist.x_test[:300]
    out = np.stack([preprocess(image) for image in images])
    assert np.abs(out - images / 255.0).mean() < 0.03


def test_transparent_png_with_dark_ink():
    drawing = render(1)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = (
        drawing  # black ink painted through alpha, transparent elsewhere: dark ink on paper
    )
    assert_nearly_the_same(preprocess(rgba), preprocess(drawing))


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280), np.uint8),
        np.full((280, 280), 255, np.uint8),
        np.random.default_rng(1).integers(0, 20, (280, 280)).astype(np.uint8),
        cv2.circle(np.zeros((280, 280), np.uint8), (140, 140), 8, 255, -1),
    ],
    ids=["black", "white", "faint noise", "a dot"],
)
def test_empty_or_nearly_empty_is_reported(image):
    with pytest.raises(EmptyImageError):
        preprocess(image)


def test_specks_are_dropped_and_strokes_kept():
    drawing = np.zeros((280, 280), np.uint8)
    cv2.line(
        drawing, (70, 40), (70, 240), 255, 16
    )  # two strokes that do not touch, like a 4 written in two
    cv2.line(drawing, (110, 120), (200, 120), 255, 16)
    drawing[5:7, 5:7] = 255
    ink = extract_ink(drawing)
    assert len(ink.areas) == 2 and ink.image[5, 5] == 0


def test_bad_bytes_and_shapes_are_clear_errors(tmp_path):
    with pytest.raises(ImageReadError, match="empty"):
        decode_image(b"")
    with pytest.raises(ImageReadError, match="not an image"):
        decode_image(b"%PDF-1.4 definitely not a picture")
    with pytest.raises(ImageReadError, match="cannot read"):
        read_image_file(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="shape"):
        preprocess(np.zeros((4, 4, 2)))
