"""Hand-made digit strokes, rendered with OpenCV the way a person draws them on a canvas.

Each digit is a list of strokes; a stroke is a list of (x, y) points in a unit box (0-1), so
the same strokes serve rendered images here and real mouse moves in browser tests.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

Stroke = list[tuple[float, float]]


def _ellipse(
    cx: float, cy: float, rx: float, ry: float, start: float = 0.0, end: float = 360.0, n: int = 24
) -> Stroke:
    return [
        (cx + rx * math.sin(math.radians(a)), cy - ry * math.cos(math.radians(a)))
        for a in np.linspace(start, end, n)
    ]


DIGIT_STROKES: dict[int, list[Stroke]] = {
    0: [_ellipse(0.5, 0.5, 0.3, 0.45)],
    1: [[(0.35, 0.2), (0.55, 0.05), (0.55, 0.95)]],
    2: [_ellipse(0.5, 0.3, 0.3, 0.25, -80, 120, 14) + [(0.2, 0.95), (0.85, 0.95)]],
    3: [_ellipse(0.5, 0.28, 0.28, 0.23, -70, 180, 14), _ellipse(0.5, 0.72, 0.3, 0.23, 0, 250, 14)],
    4: [[(0.6, 0.05), (0.15, 0.65), (0.9, 0.65)], [(0.65, 0.3), (0.65, 0.98)]],
    5: [[(0.8, 0.05), (0.3, 0.05), (0.25, 0.45)], _ellipse(0.5, 0.67, 0.3, 0.28, -60, 230, 16)],
    7: [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)]],
}


def render(
    digit: int,
    *,
    size: int = 280,
    box: tuple[float, float, float, float] = (0.2, 0.1, 0.6, 0.8),
    thickness: int = 18,
    ink: int = 255,
    background: int = 0,
) -> np.ndarray:
    """A uint8 (size, size) canvas with `digit` drawn inside `box` = (left, top, width, height)
    fractions."""
    canvas = np.full((size, size), background, np.uint8)
    left, top, width, height = box
    for stroke in DIGIT_STROKES[digit]:
        points = np.array(
            [[(left + x * width) * size, (top + y * height) * size] for x, y in stroke], np.int32
        )
        cv2.polylines(canvas, [points], False, ink, thickness, lineType=cv2.LINE_AA)
    return canvas
