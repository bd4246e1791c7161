"""Bring any pen to MNIST's stroke width: thin the ink to a skeleton and redraw it with MNIST's pen.

MNIST digits were fitted in a 20x20 box with strokes about 2-3 px wide. A digit drawn small with a
thick pen becomes, once fitted to that box, a blob with 6-8 px strokes that the models never saw.
`normalize_strokes` works on the cropped ink at a fixed working size (the 20 px box times
`WORK_SCALE`): it estimates the stroke width (ink area over skeleton length); when that width is
wider than MNIST's widest usual strokes it thins the ink to a one-pixel skeleton (Zhang-Suen, numpy)
and redraws the skeleton at MNIST's median width. Marks whose "strokes" are as wide as the mark
itself (filled blobs, dots) are left alone: there is no pen line to recover.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_SCALE = 3  # the working image is the 20 px box times this (60 px), fine enough to thin
BOX = 20
THICK_ABOVE = 4.5  # stroke width (px in the 20 px box) above which the ink is thinned and redrawn
MNIST_WIDTH = (
    2.4  # MNIST's median stroke width in the 20 px box, as `stroke_width` measures it (test set)
)
TARGET_WIDTH = (
    1.8  # the pen that redraws a skeleton; `stroke_width` then measures about MNIST_WIDTH
)
QUICK_MARGIN = (
    0.65  # a quick estimate below this fraction of THICK_ABOVE skips the (slower) thinning
)
BLOB_RATIO = (
    0.35  # a stroke width above this fraction of the longer side is a filled shape, not a pen line
)
PEN_HINT_RATIO = (
    0.16  # strokes wider than this fraction of the longer side: the drawing is small for the pen
)


@dataclass(frozen=True)
class StrokeInfo:
    """What `normalize_strokes` measured and did: the stroke width in the 20 px box, before any
    redrawing."""

    width: float  # estimated pen width, in pixels of the 20 px box
    ratio: float  # pen width over the longer side of the ink
    thinned: bool  # True when the ink was thinned and redrawn at MNIST's width

    @property
    def pen_too_thick(self) -> bool:
        """True when the strokes are so wide for the drawing's size that loops may have closed
        up."""
        return self.ratio > PEN_HINT_RATIO


def _neighbours(image: np.ndarray) -> list[np.ndarray]:
    """The 8 neighbours P2..P9 (clockwise from north) of every inner pixel of a padded binary
    image."""
    return [
        image[:-2, 1:-1],
        image[:-2, 2:],
        image[1:-1, 2:],
        image[2:, 2:],
        image[2:, 1:-1],
        image[2:, :-2],
        image[1:-1, :-2],
        image[:-2, :-2],
    ]


def thin(binary: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton (uint8 0/1) of a binary image, by Zhang-Suen thinning."""
    image = np.pad(np.asarray(binary, dtype=bool).astype(np.uint8), 1)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            p2, p3, p4, p5, p6, p7, p8, p9 = _neighbours(image)
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            count = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9
            transitions = sum((ring[i] == 0) & (ring[i + 1] == 1) for i in range(8))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (
                (image[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            )
            if remove.any():
                image[1:-1, 1:-1][remove] = 0
                changed = True
    return image[1:-1, 1:-1]


def _working_image(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """`crop` resized so that its longer side is the working size; returns it and the scale used."""
    height, width = crop.shape
    scale = BOX * WORK_SCALE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.clip(cv2.resize(crop, size, interpolation=method), 0.0, 1.0), scale


def quick_width(binary: np.ndarray) -> float:
    """A fast pen width of a working-size binary image, in px of the 20 px box: twice the area over
    the outline."""
    outline = binary & ~cv2.erode(binary.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return 2.0 * float(binary.sum()) / max(int(outline.sum()), 1) / WORK_SCALE


def stroke_width(crop: np.ndarray) -> tuple[float, np.ndarray]:
    """The pen width of `crop` (ink in [0, 1]) in pixels of the 20 px box, and its working-size
    skeleton."""
    binary = _working_image(crop)[0] > 0.5
    if not binary.any():
        return 0.0, np.zeros_like(binary, np.uint8)
    skeleton = thin(binary)
    length = max(int(skeleton.sum()), 1)
    return float(binary.sum()) / length / WORK_SCALE, skeleton


def redraw(skeleton: np.ndarray, width: float) -> np.ndarray:
    """The skeleton (working size) drawn with a round pen `width` px wide in the 20 px box, softened
    like MNIST."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    diameter = max(1, round(width * WORK_SCALE))
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
    margin = diameter
    padded = np.pad(skeleton.astype(np.uint8), margin)
    drawn: np.ndarray = cv2.dilate(padded, pen).astype(np.float32)
    drawn = cv2.GaussianBlur(drawn, (0, 0), WORK_SCALE * 0.4)
    rows, cols = np.flatnonzero(drawn.max(axis=1) > 0.05), np.flatnonzero(drawn.max(axis=0) > 0.05)
    return drawn[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def normalize_strokes(crop: np.ndarray, *, printed: bool = False) -> tuple[np.ndarray, StrokeInfo]:
    """`crop` (ink cropped to its box, [0, 1]) with its strokes brought to MNIST's width when too
    thick.

    With `printed` (a photo or scan: ragged or blocky edges, on which skeletons come out short and
    the
    area-over-skeleton width high), the decision rests on the outline estimate (`quick_width`)
    alone.
    Returns the (possibly redrawn, differently sized) crop and what was measured; the caller fits
    the result into the 20 px box as usual.
    """
    crop = np.asarray(crop, dtype=np.float32)
    if crop.ndim != 2 or crop.size == 0:
        raise ValueError(f"crop must be a non-empty 2-D array, got shape {crop.shape}")
    quick = quick_width(_working_image(crop)[0] > 0.5)
    if quick <= THICK_ABOVE * (1.0 if printed else QUICK_MARGIN):
        return crop, StrokeInfo(quick, quick / BOX, thinned=False)
    width, skeleton = stroke_width(crop)
    ratio = width / BOX
    if (width <= THICK_ABOVE and not printed) or ratio > BLOB_RATIO or skeleton.sum() < 2:
        return crop, StrokeInfo(width, ratio, thinned=False)
    return redraw(skeleton, TARGET_WIDTH), StrokeInfo(width, ratio, thinned=True)
