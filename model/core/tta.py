"""Test-time augmentation: a model's probabilities averaged over an image and small shifts of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from model import config

SIZE = config.IMAGE_SIZE


# Test-time augmentation: the image itself and its shifts by one pixel in the four directions.
TTA_SHIFTS: tuple[tuple[int, int], ...] = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0))


def shift_images(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`images` (n, 28, 28[, 1]) moved down by `dy` and right by `dx` pixels, the uncovered border
    black."""
    shifted = np.zeros_like(images)
    rows_to = slice(max(dy, 0), SIZE + min(dy, 0))
    rows_from = slice(max(-dy, 0), SIZE + min(-dy, 0))
    cols_to = slice(max(dx, 0), SIZE + min(dx, 0))
    cols_from = slice(max(-dx, 0), SIZE + min(-dx, 0))
    shifted[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return shifted


def predict_with_tta(
    predict: Callable[[np.ndarray], np.ndarray],
    images: np.ndarray,
    shifts: Sequence[tuple[int, int]] = TTA_SHIFTS,
) -> np.ndarray:
    """The mean of `predict` (probabilities (n, 10)) over `images` (n, 28, 28) shifted by each of
    `shifts`."""
    if not shifts:
        raise ValueError("shifts is empty: give at least (0, 0)")
    images = np.asarray(images, np.float32)
    return np.mean([predict(shift_images(images, dy, dx)) for dy, dx in shifts], axis=0)
