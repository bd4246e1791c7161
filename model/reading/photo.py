"""Clean a photo or scan of dark writing on paper: level it, flatten the light, remove ruled and
grid lines.

`clean_paper` takes the grayscale photo (float32 in [0, 1], dark ink on light paper) and, when the
page is ruled (or a grid), returns the ink bright on dark, ready for
`model.reading.preprocess.extract_ink`'s
usual thresholds (plain paper is left to extract_ink's simpler cleaning, which reads soft, blurry
prints better):
1. the paper's brightness is estimated by a grey closing wider than the pen (which erases the
writing
   but keeps shadows, even sharp-edged ones) of the photo smoothed of its noise, and divided out, so
   ink reads the same in the shadow;
2. the page is levelled: the rotation is the one that makes the rows' summed brightness sharpest
   (the projection profile: ruled lines crossing the page then fall on single rows), searched coarse
   to fine, and undone when it is between MIN_TILT and MAX_TILT degrees;
3. ruled and grid lines are removed: rows (columns for a grid) whose brightness over most of the
page
   stands out from the paper's are a line, when such a band is thin; in the band, the pixels no
   brighter
   than the line (summed across it, measured along it where no writing crosses it) are cleared, and
   brighter ones, ink covering the line, are kept, so a stroke crossing a line stays whole.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

logger = logging.getLogger(__name__)

LINE_SPAN = 0.6  # a ruled line crosses at least this fraction of the page
MAX_TILT = 10.0  # degrees: steeper lines are writing, not ruling
MIN_TILT = 0.05  # degrees: smaller tilts are left alone
TILT_STEPS = (
    (160, 10.0, 1.0),
    (320, 1.0, 0.1),
    (320, 0.1, 0.025),
)  # (copy's width, +- span, step) in degrees
# the tilt is measured on the page's brightness clipped here, so that bold writing weighs no more
# than a line
INK_CLIP = 0.3
ROUGH_PEN = 15  # before the pen is measured, assume it is at most the page's shorter side over this
# the paper is estimated on the photo averaged over this many pixels square (noise would brighten
# it)
DENOISE = 5
LINE_WIDTH = (
    0.02  # a ruled line is at most this fraction of its length thick (or MIN_LINE_WIDTH px)
)
MIN_LINE_WIDTH = 8
GRID_LINES = (
    2  # a grid shows at least this many vertical lines (one long vertical stroke is writing)
)
LINE_CONTRAST = 0.03  # a line is at least this much brighter than the paper on the flattened page
LINE_NOISE = 5.0  # and stands out from the paper's rows by this many of their standard deviations
LINE_DRIFT = (
    1  # a line's band is widened this many pixels either side (for what levelling left of its tilt)
)
CROSSING = 2  # writing crosses a line where there is ink this many pixels beside its band
LINE_MARGIN = (
    1.3  # a line is cleared up to this much brighter than measured, to take its noise with it
)
INK_LEVEL = 0.25  # on the flattened page, darker than 1 - this is ink


def _binary(bright: np.ndarray) -> np.ndarray:
    """Ink of a bright-on-dark page as uint8 0/255 (Otsu's threshold, never below INK_LEVEL)."""
    image = np.clip(bright * 255, 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return ((image > max(level, INK_LEVEL * 255)) * 255).astype(np.uint8)


def pen_width(binary: np.ndarray) -> float:
    """The pen's width in pixels: twice a high percentile of the distance to the background inside
    the ink."""
    if not binary.any():
        return 0.0
    distance = cv2.distanceTransform((binary > 0).astype(np.uint8), cv2.DIST_L2, 3)
    return 2.0 * float(np.percentile(distance[distance > 0], 95))


def flatten_light(gray: np.ndarray, pen: float) -> np.ndarray:
    """Ink bright on dark in [0, 1]: `gray` (dark on light) divided by the paper, estimated by a
    closing wider than `pen`
    of `gray` averaged over DENOISE pixels (a closing of the noisy photo would take the noise's
    peaks for the paper)."""
    side = max(7, int(round(pen * 2.5)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))  # a square: fast (separable)
    paper = cv2.morphologyEx(cv2.blur(gray, (DENOISE, DENOISE)), cv2.MORPH_CLOSE, kernel)
    paper = np.maximum(paper, gray)
    return np.clip(1.0 - gray / np.maximum(paper, 1e-3), 0.0, 1.0)


def _narrow(image: np.ndarray, width: int) -> np.ndarray:
    """`image` reduced to `width` columns (aspect kept), or as it is when it is not wider."""
    if image.shape[1] <= width:
        return image
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """`image` rotated by `angle` degrees about its centre, the corners filled from the nearby
    pixels."""
    height, width = image.shape
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(
        image, rotation, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _sharpness(bright: np.ndarray, angle: float) -> float:
    """How sharp the rows' summed brightness is once `bright` is rotated by `angle` degrees (high:
    lines level)."""
    return float(np.sum(np.diff(_rotate(bright, angle).sum(axis=1)) ** 2))


def tilt(bright: np.ndarray) -> float:
    """The rotation in degrees (within MAX_TILT) that levels the page's long lines, found on the
    projection profile
    of `bright` (ink bright on dark), coarse to fine; about 0 for a page without lines."""
    clipped = np.minimum(bright, INK_CLIP).astype(np.float32)
    best = 0.0
    for width, span, step in TILT_STEPS:
        image = _narrow(clipped, width)
        angles = np.clip(best + np.arange(-span, span + step / 2, step), -MAX_TILT, MAX_TILT)
        best = float(angles[np.argmax([_sharpness(image, angle) for angle in angles])])
    return best


def level(image: np.ndarray, angle: float) -> np.ndarray:
    """`image` rotated by `angle` degrees (the page's `tilt`), or as it is when that is below
    MIN_TILT or above MAX_TILT."""
    return _rotate(image, angle) if MIN_TILT <= abs(angle) <= MAX_TILT else image


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in the 1-D `flags`."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def line_bands(bright: np.ndarray) -> list[slice]:
    """The bands of rows of `bright` holding a thin horizontal line that crosses at least LINE_SPAN
    of it and stands
    out from the paper, widened by LINE_DRIFT (transpose `bright` for vertical lines)."""
    spread = np.percentile(
        bright, 100 * (1 - LINE_SPAN), axis=1
    )  # LINE_SPAN of each row is at least this bright
    paper = float(np.median(spread))
    noise = 1.4826 * float(
        np.median(np.abs(spread - paper))
    )  # the rows' standard deviation, robustly
    thickest = max(MIN_LINE_WIDTH, LINE_WIDTH * bright.shape[1])
    runs = _runs(spread > paper + max(LINE_CONTRAST, LINE_NOISE * noise))
    thick = [(start, stop) for start, stop in runs if stop - start > thickest]
    if thick:
        logger.debug("bands %s are too thick for ruled lines: left alone", thick)
    return [
        slice(max(0, start - LINE_DRIFT), stop + LINE_DRIFT)
        for start, stop in runs
        if stop - start <= thickest
    ]


def _line_level(summed: np.ndarray, ink: np.ndarray, band: slice) -> float:
    """The brightness (summed across) of the horizontal line in the rows `band`: the median along it
    of its brightest
    row, over the columns where no writing crosses it (no ink within CROSSING rows above or below
    the band)."""
    outside = np.r_[
        max(0, band.start - CROSSING) : band.start,
        band.stop : min(len(summed), band.stop + CROSSING),
    ]
    strength = summed[band].max(axis=0)
    free = strength[~ink[outside].any(axis=0)]
    return float(np.median(free if free.size else strength))


def _clear_lines(bright: np.ndarray, cleaned: np.ndarray, ink: np.ndarray, *, fewest: int) -> bool:
    """Clear the horizontal lines of `bright` in `cleaned` (in place), sparing the ink covering
    them, when there are
    at least `fewest` of them; True if it did.

    A thin line's brightness summed across it (over 2 * LINE_DRIFT + 1 pixels) is the same wherever
    it falls
    between pixel rows; in a line's band, the pixels whose sum is no more than LINE_MARGIN times the
    line's
    are the line and cleared; brighter ones are ink covering it and are kept.
    """
    bands = line_bands(bright)
    if len(bands) < fewest:
        if bands:
            logger.debug(
                "%d long straight strokes, fewer than %d: writing, not lines", len(bands), fewest
            )
        return False
    across = 2 * LINE_DRIFT + 1
    summed = across * cv2.blur(np.ascontiguousarray(bright), (1, across))
    for band in bands:
        line = LINE_MARGIN * _line_level(summed, ink, band)
        cleaned[band] = np.where(summed[band] > line, cleaned[band], 0.0)
    return True


def remove_lines(bright: np.ndarray) -> tuple[np.ndarray, int]:
    """`bright` without ruled lines (and grid lines, when ruled lines were found); returns it and
    how many kinds were removed."""
    cleaned = bright.copy()
    ink = _binary(bright) > 0
    removed = 0
    for turned, fewest in ((False, 1), (True, GRID_LINES)):  # both measured on the untouched page
        if not _clear_lines(
            *((bright.T, cleaned.T, ink.T) if turned else (bright, cleaned, ink)), fewest=fewest
        ):
            break  # vertical lines only count on a page that also has horizontal ones (a grid)
        removed += 1
    return cleaned, removed


def clean_paper(gray: np.ndarray) -> np.ndarray | None:
    """Ink bright on dark, float32 in [0, 1], from a grayscale photo of dark writing on ruled or
    grid paper;
    None when the page has no ruled lines (plain paper: the caller's simpler cleaning reads it
    better)."""
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2:
        raise ValueError(f"gray must be a 2-D array, got shape {gray.shape}")
    rough_pen = max(3.0, min(gray.shape) / ROUGH_PEN)
    rough = flatten_light(gray, pen=rough_pen)
    angle = tilt(rough)
    gray, rough = level(gray, angle), level(rough, angle)
    bands = line_bands(rough)
    if not bands:
        return None
    ink = _binary(rough)
    for band in bands:
        ink[band] = 0  # the lines' pixels are not the pen's
    pen = pen_width(ink)
    cleaned, removed = remove_lines(flatten_light(gray, pen=max(pen, 2.0)))
    logger.debug("page turned %.2f degrees, %d kinds of ruled lines removed", angle, removed)
    return cleaned.astype(np.float32)
