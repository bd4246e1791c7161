"""Clean a photo or scan of dark writing on paper: level it, flatten the light, remove ruled and grid lines.

`clean_paper` takes the grayscale photo (float32 in [0, 1], dark ink on light paper) and, when the
page is ruled (or a grid), returns the ink bright on dark, ready for `model.preprocess.extract_ink`'s
usual thresholds (plain paper is left to extract_ink's simpler cleaning, which reads soft, blurry
prints better):
1. the page is levelled: long straight lines (the ruling, found by a Hough transform) give the
   rotation, undone when it is between 0.3 and 10 degrees;
2. the paper's brightness is estimated by a grey closing wider than the pen (which erases the writing
   but keeps shadows, even sharp-edged ones) and divided out, so ink reads the same in the shadow;
3. ruled and grid lines are removed: thin straight structures crossing most of the page, found by
   openings with long horizontal and vertical kernels; where a written stroke crosses a line, the gap is
   closed again from the ink above and below (left and right for grid lines).
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

logger = logging.getLogger(__name__)

LINE_SPAN = 0.6  # a ruled line crosses at least this fraction of the page
MAX_TILT = 10.0  # degrees: steeper lines are writing, not ruling
MIN_TILT = 0.3  # degrees: smaller tilts are left alone
HOUGH_WIDTH = 320  # the tilt is measured on a copy at most this wide
ROUGH_PEN = 15  # before the pen is measured, assume it is at most the page's shorter side over this
LINE_WIDTH = 0.06  # a ruled line is at most this fraction of its length thick (or MIN_LINE_WIDTH px)
MIN_LINE_WIDTH = 8
LINE_SMOOTH = 15  # lines are found after averaging this many pixels along them
LINE_GROWTH = 7  # a line's mask is widened across the line to this many pixels, to take its blurred edges
LINE_MARGIN = 1.3  # a line is subtracted this much brighter than measured, to take its noise with it
INK_LEVEL = 0.25  # on the flattened page, darker than 1 - this is ink
FAINT_LEVEL = 0.06  # on the flattened page, darker than 1 - this may be a light ruled line


def _binary(bright: np.ndarray, *, faint: bool = False) -> np.ndarray:
    """Ink of a bright-on-dark page as uint8 0/255 (Otsu's threshold, never below INK_LEVEL); with `faint`, at
    half that threshold (never below FAINT_LEVEL), so that light ruled lines count too."""
    image = np.clip(bright * 255, 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    level = max(level / 2, FAINT_LEVEL * 255) if faint else max(level, INK_LEVEL * 255)
    return ((image > level) * 255).astype(np.uint8)


def pen_width(binary: np.ndarray) -> float:
    """The pen's width in pixels: twice a high percentile of the distance to the background inside the ink."""
    if not binary.any():
        return 0.0
    distance = cv2.distanceTransform((binary > 0).astype(np.uint8), cv2.DIST_L2, 3)
    return 2.0 * float(np.percentile(distance[distance > 0], 95))


def tilt(binary: np.ndarray) -> float:
    """The rotation in degrees of the page's long horizontal lines (0 when there are none)."""
    if binary.shape[1] > HOUGH_WIDTH:  # the angle needs no more pixels than this, and Hough is slow
        scale = HOUGH_WIDTH / binary.shape[1]
        binary = cv2.resize(binary, (HOUGH_WIDTH, max(1, round(binary.shape[0] * scale))), interpolation=cv2.INTER_AREA)
        binary = ((binary > 0) * 255).astype(np.uint8)
    width = binary.shape[1]
    segments = cv2.HoughLinesP(binary, 1, np.pi / 360, threshold=max(20, width // 3),
                               minLineLength=int(width * LINE_SPAN * 0.8), maxLineGap=max(3, width // 15))
    if segments is None:
        return 0.0
    x0, y0, x1, y1 = segments.reshape(-1, 4).T.astype(np.float64)
    angles = np.degrees(np.arctan2(y1 - y0, x1 - x0))
    angles = np.where(angles > 90, angles - 180, np.where(angles < -90, angles + 180, angles))
    flat = angles[np.abs(angles) <= MAX_TILT]
    return float(np.median(flat)) if len(flat) else 0.0


def level(gray: np.ndarray, angle: float) -> np.ndarray:
    """`gray` rotated by -`angle` degrees about its centre, the corners filled from the nearby paper."""
    if not MIN_TILT <= abs(angle) <= MAX_TILT:
        return gray
    height, width = gray.shape
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, rotation, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def flatten_light(gray: np.ndarray, pen: float) -> np.ndarray:
    """Ink bright on dark in [0, 1]: `gray` (dark on light) divided by the paper, estimated by a closing wider than `pen`."""
    side = max(7, int(round(pen * 2.5)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))  # a square: fast (separable)
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    paper = cv2.blur(paper, (side, side))
    paper = np.maximum(paper, gray)
    return np.clip(1.0 - gray / np.maximum(paper, 1e-3), 0.0, 1.0)


def _along(axis: int, length: int) -> np.ndarray:
    """A line-shaped kernel `length` long along `axis` (1 horizontal, 0 vertical)."""
    return np.ones((1, length) if axis == 1 else (length, 1), np.uint8)


def _line_mask(bright: np.ndarray, axis: int) -> np.ndarray:
    """Thin straight lines along `axis` (1 horizontal, 0 vertical) crossing at least LINE_SPAN of the page."""
    length = bright.shape[axis]
    smooth = cv2.blur(bright, (LINE_SMOOTH, 1) if axis == 1 else (1, LINE_SMOOTH))  # faint noisy lines add up along their length
    binary = ((smooth > FAINT_LEVEL) * 255).astype(np.uint8)  # averaged along the line, the paper's noise is far below
    joined = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, _along(axis, 9))  # bridge small breaks (noise, JPEG)
    opened = cv2.morphologyEx(joined, cv2.MORPH_OPEN, _along(axis, max(15, int(length * LINE_SPAN * 0.5))))
    pieces = cv2.dilate(opened, _along(axis, max(3, length // 10)))  # pieces of one broken line count together
    count, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    extent = stats[1:, cv2.CC_STAT_WIDTH if axis == 1 else cv2.CC_STAT_HEIGHT]
    thickness = np.bincount(labels[opened > 0], minlength=count)[1:] / np.maximum(extent, 1)
    thin = thickness <= max(MIN_LINE_WIDTH, LINE_WIDTH * length)  # a wide pen stroke is not a ruled line
    keep = np.flatnonzero((extent >= LINE_SPAN * length) & thin) + 1
    return (opened > 0) & np.isin(labels, keep) if len(keep) else np.zeros(binary.shape, bool)


def remove_lines(bright: np.ndarray) -> tuple[np.ndarray, int]:
    """`bright` without ruled lines (and grid lines, when ruled lines were found); returns it and how many kinds were removed.

    A line's brightness is measured by a grey opening along it (the writing it crosses does not
    change that) and subtracted where the line is, so a stroke crossing a line keeps its ink.
    """
    lines = np.zeros_like(bright)
    removed = 0
    for axis in (1, 0):  # both measured on the untouched page: removing one kind first would break the other
        mask = _line_mask(bright, axis)
        if not mask.any():
            break  # vertical lines only count on a page that also has horizontal ones (a grid)
        grown = cv2.dilate(mask.astype(np.uint8), _along(1 - axis, LINE_GROWTH)) > 0  # blurred edges too
        line = cv2.morphologyEx(bright, cv2.MORPH_OPEN, _along(axis, max(9, int(bright.shape[axis] * LINE_SPAN))))
        lines = np.maximum(lines, np.where(grown, line * LINE_MARGIN, 0.0))
        removed += 1
    return np.clip(bright - lines, 0.0, 1.0), removed


def clean_paper(gray: np.ndarray) -> np.ndarray | None:
    """Ink bright on dark, float32 in [0, 1], from a grayscale photo of dark writing on ruled or grid paper;
    None when the page has no ruled lines (plain paper: the caller's simpler cleaning reads it better)."""
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2:
        raise ValueError(f"gray must be a 2-D array, got shape {gray.shape}")
    rough_pen = max(3.0, min(gray.shape) / ROUGH_PEN)
    gray = level(gray, tilt(_binary(flatten_light(gray, pen=rough_pen), faint=True)))
    rough = flatten_light(gray, pen=rough_pen)
    lines = _line_mask(rough, 1)
    if not lines.any():
        return None
    pen = pen_width(np.where(cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0, 0, _binary(rough)).astype(np.uint8))
    bright = flatten_light(gray, pen=max(pen, 2.0))
    cleaned, removed = remove_lines(bright)
    logger.debug("removed %d kinds of ruled lines", removed)
    return cleaned.astype(np.float32)
