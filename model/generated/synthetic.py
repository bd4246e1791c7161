"""Generated test and training images: digits in OpenCV's Hershey stroke fonts, digits redrawn with
any
pen, and marks that are not digits (letters, symbols, shapes, blobs, dots, dashes, scribbles,
strokes).

Every generator takes a `numpy.random.Generator` and returns a uint8 canvas, ink bright (255) on
black (0), like the Draw page's canvas; callers choose the seed, so training, validation and
evaluation sets never share one. Letters that are also digit shapes (O, I, l, S, Z, B, b, g, q, ...)
and symbols that are (/, |, !, parentheses) are never used as "not a digit".
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from model.reading import strokes

Rng = np.random.Generator
CANVAS = 280  # the Draw page's canvas side
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
LETTERS = "ACEFHKLMNPRUVWXYacefhkmnprtuvwxy"  # letters that no one writes as a digit
SYMBOLS = "#+*@&%=~<>^$"


def _place(mark: np.ndarray, rng: Rng, size: int = CANVAS) -> np.ndarray:
    """`mark` (ink bright on black) pasted at a random position of a black size x size canvas,
    clipped if larger."""
    canvas = np.zeros((size, size), np.uint8)
    mark = mark[:size, :size]
    top = int(rng.integers(0, size - mark.shape[0] + 1))
    left = int(rng.integers(0, size - mark.shape[1] + 1))
    canvas[top : top + mark.shape[0], left : left + mark.shape[1]] = mark
    return canvas


def crop_to_ink(image: np.ndarray, margin: int = 0) -> np.ndarray:
    """`image` cropped to its non-zero pixels plus `margin`; an image without ink is returned
    unchanged."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    if len(rows) == 0:
        return image
    top, left = max(rows[0] - margin, 0), max(cols[0] - margin, 0)
    return image[top : rows[-1] + 1 + margin, left : cols[-1] + 1 + margin]


def render_text(
    text: str,
    *,
    height: float,
    thickness: int,
    font: int = cv2.FONT_HERSHEY_SIMPLEX,
    italic: bool = False,
) -> np.ndarray:
    """`text` in a Hershey stroke font, its ink about `height` px tall, cropped to the ink (uint8,
    bright)."""
    if height <= 0 or thickness < 1:
        raise ValueError(
            f"height and thickness must be positive, got height={height}, thickness={thickness}"
        )
    face = font | (cv2.FONT_ITALIC if italic else 0)
    (_, base_height), _ = cv2.getTextSize("8", face, 1.0, 1)
    scale = height / base_height
    (width, text_height), baseline = cv2.getTextSize(text, face, scale, thickness)
    pad = thickness + int(text_height)
    canvas = np.zeros((text_height + baseline + 2 * pad, width + 2 * pad), np.uint8)
    cv2.putText(canvas, text, (pad, pad + text_height), face, scale, 255, thickness, cv2.LINE_AA)
    return crop_to_ink(canvas)


def _pen(rng: Rng, height: float, most: float = 0.25) -> int:
    """A pen width from 2 px to `most` of `height`, drawn towards thin pens."""
    return max(2, round(2 + (most * height - 2) * rng.random() ** 1.5))


def font_digit(
    digit: int, rng: Rng, *, height: float | None = None, pen: int | None = None
) -> np.ndarray:
    """A canvas with `digit` in a random Hershey face (script faces too), size, pen and position."""
    height = height if height is not None else float(rng.uniform(50, 250))
    font = FONTS[int(rng.integers(len(FONTS)))]
    mark = render_text(
        str(digit),
        height=height,
        thickness=pen or _pen(rng, height),
        font=font,
        italic=bool(rng.random() < 0.3),
    )
    return _place(mark, rng)


def pen_digit_ink(image: np.ndarray, *, height: float, pen: int) -> np.ndarray:
    """An MNIST digit (28x28 uint8) thinned to its skeleton and redrawn `height` px tall with a
    round `pen` (cropped)."""
    if height <= 0 or pen < 1:
        raise ValueError(f"height and pen must be positive, got height={height}, pen={pen}")
    _, skeleton = strokes.stroke_width(crop_to_ink(np.asarray(image, np.float32) / 255.0))
    ys, xs = np.nonzero(skeleton)
    scale = height / max(skeleton.shape[0], 1)
    canvas = np.zeros(
        (
            int(math.ceil(height)) + pen * 2 + 2,
            int(math.ceil(skeleton.shape[1] * scale)) + pen * 2 + 2,
        ),
        np.uint8,
    )
    points = {(int(y), int(x)) for y, x in zip(ys, xs, strict=True)}
    for y, x in points:
        for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
            if (y + dy, x + dx) in points:
                start = (round(pen + x * scale), round(pen + y * scale))
                end = (round(pen + (x + dx) * scale), round(pen + (y + dy) * scale))
                cv2.line(canvas, start, end, 255, pen, cv2.LINE_AA)
    if len(points) == 1:
        cv2.circle(canvas, (pen, pen), max(1, pen // 2), 255, -1, cv2.LINE_AA)
    return crop_to_ink(canvas)


def pen_digit(image: np.ndarray, rng: Rng, *, height: float, pen: int) -> np.ndarray:
    """A canvas with an MNIST digit redrawn `height` px tall with a round `pen`, at a random
    position."""
    return _place(pen_digit_ink(image, height=height, pen=pen), rng)


# --- Marks that are not digits --------------------------------------------------------------------


def _polyline(
    points: np.ndarray | list[np.ndarray], rng: Rng, *, closed: bool = False, filled: bool = False
) -> np.ndarray:
    """Lines through points of a unit box (one array or several) at a random size (35-250 px) and
    pen, placed at random."""
    size = float(rng.uniform(35, 250))
    pen = _pen(rng, size, most=0.2)
    lines = points if isinstance(points, list) else [points]
    pixels = [np.round(np.asarray(line) * size + pen).astype(np.int32) for line in lines]
    canvas = np.zeros((int(size) + 2 * pen + 2, int(size) + 2 * pen + 2), np.uint8)
    if filled:
        cv2.fillPoly(canvas, pixels, 255, cv2.LINE_AA)
    else:
        cv2.polylines(canvas, pixels, closed, 255, pen, cv2.LINE_AA)
    return _place(crop_to_ink(canvas), rng)


def letter(rng: Rng) -> np.ndarray:
    """A letter no one writes as a digit, in a random Hershey face, size, pen and position."""
    height = float(rng.uniform(40, 230))
    mark = render_text(
        str(rng.choice(list(LETTERS))),
        height=height,
        thickness=_pen(rng, height, 0.18),
        font=FONTS[int(rng.integers(len(FONTS)))],
        italic=bool(rng.random() < 0.3),
    )
    return _place(mark, rng)


def symbol(rng: Rng) -> np.ndarray:
    """One of # + * @ & % = ~ < > ^ $ in a random Hershey face, size, pen and position."""
    height = float(rng.uniform(40, 230))
    mark = render_text(
        str(rng.choice(list(SYMBOLS))),
        height=height,
        thickness=_pen(rng, height, 0.15),
        font=FONTS[int(rng.integers(len(FONTS)))],
    )
    return _place(mark, rng)


def star(rng: Rng) -> np.ndarray:
    """A star of 5 to 8 points, outlined or filled."""
    tips = int(rng.integers(5, 9))
    radii = np.tile([0.5, float(rng.uniform(0.18, 0.3))], tips)
    angles = np.linspace(0, 2 * math.pi, 2 * tips, endpoint=False) + rng.uniform(0, math.pi)
    points = np.stack([0.5 + radii * np.cos(angles), 0.5 + radii * np.sin(angles)], axis=1)
    return _polyline(points, rng, closed=True, filled=bool(rng.random() < 0.3))


def triangle(rng: Rng) -> np.ndarray:
    """A triangle of random shape, outlined (mostly) or filled."""
    points = np.array(
        [[0.5 + rng.uniform(-0.3, 0.3), 0.0], [0.0, 1.0], [1.0, rng.uniform(0.7, 1.0)]]
    )
    return _polyline(points, rng, closed=True, filled=bool(rng.random() < 0.2))


def grid(rng: Rng) -> np.ndarray:
    """Two to four lines each way, like a tic-tac-toe board."""
    size = float(rng.uniform(60, 250))
    pen = _pen(rng, size, most=0.1)
    canvas = np.zeros((int(size) + 2 * pen, int(size) + 2 * pen), np.uint8)
    for position in np.linspace(0.2, 0.8, int(rng.integers(2, 5))):
        at = round(pen + position * size)
        cv2.line(canvas, (pen, at), (pen + int(size), at), 255, pen, cv2.LINE_AA)
        cv2.line(canvas, (at, pen), (at, pen + int(size)), 255, pen, cv2.LINE_AA)
    return _place(crop_to_ink(canvas), rng)


def smiley(rng: Rng) -> np.ndarray:
    """A face: a circle, two eyes and a smile."""
    size = float(rng.uniform(60, 250))
    pen = _pen(rng, size, most=0.08)
    canvas = np.zeros((int(size) + 2 * pen, int(size) + 2 * pen), np.uint8)
    center = (pen + int(size / 2), pen + int(size / 2))
    cv2.circle(canvas, center, int(size / 2), 255, pen, cv2.LINE_AA)
    for side in (-1, 1):
        cv2.circle(
            canvas,
            (center[0] + side * int(size * 0.17), center[1] - int(size * 0.12)),
            max(2, int(size * 0.05)),
            255,
            -1,
        )
    mouth = (center[0], center[1] + int(size * 0.05))
    cv2.ellipse(
        canvas, mouth, (int(size * 0.25), int(size * 0.18)), 0, 20, 160, 255, pen, cv2.LINE_AA
    )
    return _place(canvas, rng)


def blob(rng: Rng) -> np.ndarray:
    """A filled ellipse or irregular filled shape."""
    radii = rng.uniform(0.35, 0.5, 12)
    angles = np.linspace(0, 2 * math.pi, 12, endpoint=False)
    stretch = float(rng.uniform(0.5, 1.0))
    points = np.stack(
        [0.5 + radii * np.cos(angles), 0.5 + stretch * radii * np.sin(angles)], axis=1
    )
    return _polyline(points, rng, closed=True, filled=True)


def dot(rng: Rng) -> np.ndarray:
    """One to three round dots, like clicks of a pen of any width."""
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    radius = int(rng.integers(5, 40))
    for _ in range(int(rng.integers(1, 4))):
        center = (
            int(rng.integers(radius, CANVAS - radius)),
            int(rng.integers(radius, CANVAS - radius)),
        )
        cv2.circle(canvas, center, radius, 255, -1, cv2.LINE_AA)
    return canvas


def dash(rng: Rng) -> np.ndarray:
    """One or two short near-horizontal lines (within 20 degrees), like a minus or an equals
    sign."""
    angle = math.radians(float(rng.uniform(-20, 20)))
    rise = math.sin(angle) * 0.5
    lines = [np.array([[0.0, 0.5], [math.cos(angle), 0.5 - rise]])]
    if rng.random() < 0.3:
        lines.append(lines[0] + [0.0, float(rng.uniform(0.15, 0.4))])
    return _polyline(lines, rng)


def scribble(rng: Rng) -> np.ndarray:
    """A dense back-and-forth scribble, as when crossing something out."""
    turns = int(rng.integers(6, 14))
    xs = np.where(
        np.arange(turns) % 2 == 0, rng.uniform(0, 0.2, turns), rng.uniform(0.8, 1.0, turns)
    )
    ys = np.sort(rng.uniform(0, 1, turns)) + rng.normal(0, 0.05, turns)
    return _polyline(np.stack([xs, np.clip(ys, 0, 1)], axis=1), rng)


def random_strokes(rng: Rng) -> np.ndarray:
    """Two to four random crossing straight strokes."""
    lines = [
        rng.uniform(0, 1, (int(rng.integers(2, 4)), 2)) for _ in range(int(rng.integers(2, 5)))
    ]
    return _polyline(lines, rng)


def vary(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`image` rotated (up to 25 degrees) and sheared (up to 0.3) about its centre, as people tilt
    and slant what they draw."""
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), float(rng.uniform(-25, 25)), 1.0)
    shear = float(rng.uniform(-0.3, 0.3))
    matrix[0, 1] += shear
    matrix[0, 2] -= shear * height / 2  # shear about the centre row
    return cv2.warpAffine(image, matrix, (width, height))


MARKS: dict[str, Callable[[Rng], np.ndarray]] = {
    "letters": letter,
    "symbols": symbol,
    "stars": star,
    "triangles": triangle,
    "grids": grid,
    "smileys": smiley,
    "blobs": blob,
    "dots": dot,
    "dashes": dash,
    "scribbles": scribble,
    "strokes": random_strokes,
}


def marks(kind: str, count: int, seed: int) -> list[np.ndarray]:
    """`count` canvases of one kind of non-digit mark (a key of `MARKS`), generated from `seed`."""
    if kind not in MARKS:
        raise ValueError(f"kind must be one of {sorted(MARKS)}, got {kind!r}")
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = np.random.default_rng(seed)
    return [MARKS[kind](rng) for _ in range(count)]


# --- Low-resolution digits, like scikit-learn's 8x8 optical digits
# ------------------------------------


def print_8x8(
    block: np.ndarray, *, side: int = 96, interpolation: int = cv2.INTER_LINEAR
) -> np.ndarray:
    """An 8x8 count image (0-16) upscaled to side x side and printed dark ink on light paper
    (uint8)."""
    block = np.asarray(block, dtype=np.float32)
    if block.shape != (8, 8):
        raise ValueError(f"block must have shape (8, 8), got {block.shape}")
    ink = cv2.resize(np.clip(block / 16.0, 0, 1), (side, side), interpolation=interpolation)
    margin = side // 6
    page = np.pad(ink, margin)
    return np.round(255 * (1.0 - np.clip(page, 0, 1))).astype(np.uint8)


def to_8x8(image: np.ndarray) -> np.ndarray:
    """An MNIST digit (28x28 uint8) made the way the 8x8 optical digits were: fitted to 32x32,
    counted in 4x4 blocks."""
    crop = crop_to_ink(np.asarray(image) > 100).astype(np.float32)
    height, width = crop.shape
    scale = 32 / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = np.zeros((32, 32), np.float32)
    resized = cv2.resize(crop, size, interpolation=cv2.INTER_NEAREST)
    top, left = (32 - size[1]) // 2, (32 - size[0]) // 2
    fitted[top : top + size[1], left : left + size[0]] = resized
    return fitted.reshape(8, 4, 8, 4).sum(axis=(1, 3))
