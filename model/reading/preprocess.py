"""Turn a drawing, scan or photo of a digit into a 28x28 input made the way MNIST digits were made.

The steps (OpenCV throughout):
1. grayscale, in [0, 1]; a transparent background is filled with the colour opposite to the ink;
2. dark writing on light paper (the border's median tells) goes through
`model.reading.photo.clean_paper`:
   levelled, light flattened, ruled and grid lines removed, ink made bright on dark;
3. bright ink on a dark background: uneven lighting removed by subtracting the background,
   estimated by a morphological opening wider than any stroke (on a small copy, for speed);
   in both cases faint noise and specks are then dropped, and the blur's halo around a photo's or
   print's strokes (fainter than half their brightness) is cut, so that they keep the pen's width;
4. cropped to the ink; a pen too thick for the drawing's size thinned to its skeleton and redrawn
   at MNIST's stroke width (`model.reading.strokes`; for prints and photos, judged on the outline
   alone);
5. scaled so that the longer side is 20 px, keeping the aspect ratio;
6. placed in 28x28 with its centre of mass at row 14, column 14 (as MNIST's are, to half a pixel).
The result is float32 in [0, 1], the models' input (they normalize it themselves, as in training).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from model import config
from model.reading.budget import Header, read_header
from model.reading.photo import clean_paper
from model.reading.refusal import Refusal, RefusedImage
from model.reading.strokes import StrokeInfo, normalize_strokes

logger = logging.getLogger(__name__)

BOX = 20  # the longer side of the digit inside the 28x28 frame
CENTER = config.IMAGE_SIZE / 2  # 14.0: where MNIST puts the centre of mass (row, column)
MIN_CONTRAST = 0.15  # weaker ink than this (on a 0-1 scale) is no ink
NOISE_FLOOR = 0.2  # after contrast stretching, fainter pixels are background
MIN_EXTENT = 0.08  # ink spanning less than this fraction of the longer side is "nearly empty"
SPECK_FRACTION = 0.05  # blobs smaller than this fraction of the largest blob are noise
BACKGROUND_SIZE = 64  # side of the small copy on which the background is estimated
GREY_PAPER = 0.3  # an image whose median is lighter than this is paper, however dim
FLAT_DARK = 0.05  # a border this dark all round is a canvas's: no background to remove
PAPER_SIDE = 1000  # photos of paper are cleaned on a copy whose longer side is at most this
MB = 1024 * 1024


class EmptyImageError(RefusedImage):
    """The image holds no digit: nothing, or almost nothing, is drawn."""

    kind = Refusal.EMPTY


class ImageReadError(RefusedImage):
    """The bytes or file are not a readable image."""

    kind = Refusal.UNREADABLE


class ImageTooLargeError(ImageReadError):
    """The file or image is larger than is accepted (bytes or pixels)."""

    kind = Refusal.TOO_LARGE


@dataclass(frozen=True)
class Ink:
    """Ink bright on dark, float32 in [0, 1], background, ruled lines and noise removed."""

    image: np.ndarray
    labels: np.ndarray  # int32 connected-component label per pixel (0 = background)
    boxes: np.ndarray  # (k, 4) x, y, width, height of each kept component 1..k
    areas: np.ndarray  # (k,) pixel count of each kept component
    scale: float = (
        1.0  # size of `image` over the input's (photos larger than PAPER_SIDE are reduced)
    )
    drawn: bool = False  # True for a drawing on a canvas (bright ink on a flat black background)


def _header(data: bytes) -> Header:
    """The header of image file `data`; `ImageReadError` when unreadable, `ImageTooLargeError`
    when it claims more pixels than `config.MAX_PIXELS` or than `config.MAX_DECODED_BYTES` of
    grey."""
    try:
        header = read_header(data)
    except Image.DecompressionBombError:
        raise ImageTooLargeError(
            f"the image is too large: at most {config.MAX_PIXELS:,} pixels are accepted"
        ) from None
    if header is None:
        raise ImageReadError(
            "the file is not an image that can be read (PNG, JPEG, BMP, TIFF, WebP or GIF)"
        )
    if header.pixels > min(config.MAX_PIXELS, config.MAX_DECODED_BYTES):
        raise ImageTooLargeError(
            f"the image is too large ({header.width:,}x{header.height:,} pixels, "
            f"{header.decoded_bytes / MB:,.0f} MB once decoded); at most "
            f"{min(config.MAX_PIXELS, config.MAX_DECODED_BYTES):,} pixels are accepted"
        )
    return header


def fit_for_reading(image: np.ndarray) -> np.ndarray:
    """`image` reduced (INTER_AREA) to at most `config.READ_PIXELS` pixels, aspect kept."""
    height, width = image.shape[:2]
    if height * width <= config.READ_PIXELS:
        return image
    scale = (config.READ_PIXELS / (height * width)) ** 0.5
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    logger.info("a %dx%d image is reduced to %dx%d to be read", width, height, *size)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def decode_image(data: bytes) -> np.ndarray:
    """Decode PNG/JPEG/... bytes into a uint8 array (H, W), (H, W, 3) BGR or (H, W, 4) BGRA, of
    at most `config.READ_PIXELS` pixels.

    The header is checked first (`_header`); a file whose decoded size as stored is over
    `config.MAX_DECODED_BYTES` is decoded straight to 8-bit grey (its transparency dropped).
    """
    if not data:
        raise ImageReadError("the file is empty")
    header = _header(data)
    flags = cv2.IMREAD_UNCHANGED
    if header.decoded_bytes > config.MAX_DECODED_BYTES:
        logger.info("%d MB once decoded: read as 8-bit grey", header.decoded_bytes // MB)
        flags = cv2.IMREAD_GRAYSCALE
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None:
        raise ImageReadError(
            "the file is not an image OpenCV can read (PNG, JPEG, BMP, TIFF, WebP)"
        )
    image = fit_for_reading(image)
    if image.dtype == np.uint16:
        image = (image // 257).astype(np.uint8)
    return image


def read_image_file(path: Path | str) -> np.ndarray:
    """Read an image file into a uint8 array; `ImageReadError` if it is missing, empty or not an
    image."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageReadError(f"cannot read {path}: {error.strerror or error}") from None
    return decode_image(data)


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Float32 gray in [0, 1] of shape (H, W) from gray, BGR or BGRA input (uint8 0-255 or float
    0-1)."""
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4), got {array.shape}")
    if min(array.shape[:2]) < 1:
        raise EmptyImageError("the image has no pixels")
    scale = 255.0 if array.dtype == np.uint8 or array.max(initial=0) > 1.0 else 1.0
    array = array.astype(np.float32) / scale
    if array.ndim == 2:
        return array
    if array.shape[2] == 1:
        return array[..., 0]
    gray = cv2.cvtColor(np.ascontiguousarray(array[..., :3]), cv2.COLOR_BGR2GRAY)
    if array.shape[2] == 4:
        alpha = array[..., 3]
        if alpha.min() < 0.99:
            drawn = alpha > 0.5
            ink_is_dark = drawn.any() and float(gray[drawn].mean()) < 0.5
            gray = gray * alpha + (1.0 if ink_is_dark else 0.0) * (1.0 - alpha)
    return gray


def _border(gray: np.ndarray) -> np.ndarray:
    """The pixels of a band 2% wide around the image."""
    width = max(1, min(gray.shape) // 50)
    return np.concatenate(
        [
            gray[:width].ravel(),
            gray[-width:].ravel(),
            gray[:, :width].ravel(),
            gray[:, -width:].ravel(),
        ]
    )


def _light_background(gray: np.ndarray) -> bool:
    """True when the background is light (dark writing on paper): most of the border is nearer the
    image's
    lightest than its darkest pixels (a shadow may darken part of the border), or the image is
    mostly grey
    or lighter (grey paper in a dim photo), which a canvas, bright ink on black, never is."""
    darkest, median, lightest = np.percentile(gray, [0.5, 50, 99.5])
    if lightest - darkest < MIN_CONTRAST:
        return False
    border = _border(gray)
    if float(np.percentile(border, 95)) < FLAT_DARK:
        return False  # a canvas, however much of it is inked
    return median > GREY_PAPER or float(np.percentile(border, 75)) > (darkest + lightest) / 2


def _paper_to_ink(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Ink bright on dark from dark writing on paper, and the scale it was read at: ruled paper is
    cleaned
    by `model.reading.photo` on a copy at most PAPER_SIDE px; plain paper is inverted and its
    background removed."""
    scale = min(1.0, PAPER_SIDE / max(gray.shape))
    small = gray
    if scale < 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    cleaned = clean_paper(small)
    if cleaned is None:
        return _remove_background(1.0 - gray), 1.0
    return cleaned, scale


def _remove_background(bright: np.ndarray) -> np.ndarray:
    """Subtract a smooth background estimated by an opening wider than the strokes, on a small
    copy."""
    height, width = bright.shape
    scale = BACKGROUND_SIZE / max(height, width)
    if scale >= 1.0:
        small = bright
    else:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(bright, size, interpolation=cv2.INTER_AREA)
    kernel_side = max(3, max(small.shape) // 3) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_side, kernel_side))
    background = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    background = cv2.GaussianBlur(background, (0, 0), kernel_side / 4)
    if background.shape != bright.shape:
        background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(bright - background, 0.0, 1.0)


def _saturate(ink: np.ndarray, *, drawn: bool) -> np.ndarray:
    """`ink` (noise floor applied) stretched so that its median stroke brightness is 1 (the strokes'
    cores saturate);
    unless `drawn`, what is fainter than half that is the blur's halo around the pen, cleared, so
    that a photo's
    stroke keeps about the pen's width, not the blur's."""
    stroke = max(float(np.median(ink[ink > 0])), NOISE_FLOOR * 2)
    halo = 0.0 if drawn else stroke / 2
    return np.clip((ink - halo) / (stroke - halo), 0.0, 1.0)


def extract_ink(image: np.ndarray) -> Ink:
    """Find the ink of `image` (any size, either polarity), or raise `EmptyImageError`."""
    gray = to_grayscale(image)
    drawn = False
    if _light_background(gray):
        ink, scale = _paper_to_ink(gray)
    elif float(np.percentile(_border(gray), 95)) < FLAT_DARK:
        ink, scale, drawn = (
            gray,
            1.0,
            True,
        )  # a canvas: nothing to remove, and filled shapes must stay filled
    else:
        ink, scale = _remove_background(gray), 1.0
    peak = (
        float(cv2.GaussianBlur(ink, (3, 3), 0).max()) if min(ink.shape) >= 3 else float(ink.max())
    )
    if peak < MIN_CONTRAST:
        raise EmptyImageError("nothing is drawn: the image has no ink")
    ink = np.clip(ink / peak, 0.0, 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    ink = _saturate(ink, drawn=drawn)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (ink > 0).astype(np.uint8), connectivity=8
    )
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= SPECK_FRACTION * areas.max()) + 1
    remap = np.zeros(count, np.int32)
    remap[keep] = np.arange(1, len(keep) + 1)
    labels = remap[labels]
    ink[labels == 0] = 0.0
    boxes = stats[keep, :4]
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    if max(x1 - x0, y1 - y0) < MIN_EXTENT * max(ink.shape):
        raise EmptyImageError("almost nothing is drawn: the ink is a dot")
    return Ink(ink, labels, boxes, stats[keep, cv2.CC_STAT_AREA], scale, drawn)


def frame_digit(ink: np.ndarray, *, drawn: bool = True) -> tuple[np.ndarray, StrokeInfo]:
    """Crop `ink` (bright on dark, [0, 1]) to its content, bring a thick pen to MNIST's stroke width
    (judged as
    for a print or photo unless `drawn`, a pen on a canvas), fit it to 20 px and centre its mass in
    28x28;
    returns the 28x28 input and the pen measured."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        raise EmptyImageError("nothing is drawn: the image has no ink")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    crop, pen = normalize_strokes(crop, printed=not drawn)
    return _fit_and_center(crop), pen


def ink_box(ink: Ink, labels: np.ndarray | None = None) -> tuple[int, int, int, int]:
    """(x, y, width, height) in the input image of the ink's components `labels` (1-based; all when
    None)."""
    boxes = ink.boxes if labels is None else ink.boxes[np.asarray(labels) - 1]
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    x0, y0, x1, y1 = (round(v / ink.scale) for v in (x0, y0, x1, y1))
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def _fit_and_center(crop: np.ndarray) -> np.ndarray:
    """`crop` scaled so that its longer side is 20 px, placed with its centre of mass at (14, 14) of
    28x28."""
    height, width = crop.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    digit = np.clip(cv2.resize(crop, size, interpolation=method), 0.0, 1.0)
    center_row, center_col = center_of_mass(digit)
    top = int(np.clip(round(CENTER - center_row), 0, config.IMAGE_SIZE - digit.shape[0]))
    left = int(np.clip(round(CENTER - center_col), 0, config.IMAGE_SIZE - digit.shape[1]))
    frame = np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
    frame[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return frame


def preprocess(image: np.ndarray) -> np.ndarray:
    """The 28x28 float32 model input for a digit image of any size; `EmptyImageError` when nothing
    is drawn."""
    ink = extract_ink(image)
    return frame_digit(ink.image, drawn=ink.drawn)[0]


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre of `image`."""
    image = np.asarray(image, dtype=np.float64)
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return float((rows * image).sum() / mass), float((cols * image).sum() / mass)


def preprocess_many(images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The 28x28 inputs of `images` (n, 28, 28) and a boolean mask of the images kept (False:
    empty)."""
    inputs, kept = [], []
    for image in images:
        try:
            inputs.append(preprocess(image))
            kept.append(True)
        except EmptyImageError:
            kept.append(False)
    frames = (
        np.stack(inputs)
        if inputs
        else np.zeros((0, config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
    )
    return frames, np.asarray(kept, dtype=bool)
