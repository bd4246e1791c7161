"""Uploaded image files: check the size of dcc.Upload's data URL and the image's header, then decode
it with model/.

Three checks guard the server: the file's size (`MAX_BYTES`, also the browser's limit), the image's
dimensions read from its header before anything is decoded (`MAX_SIDE`, `MAX_UPLOAD_PIXELS`: a 4 MB
PNG can claim 32000x32000 pixels, which would take gigabytes to decode), and its pixel values after
decoding (a float TIFF can hold NaN, infinities or values outside 0-255, which no reading can use).
`MAX_BODY_BYTES`, the cap on any request body, follows from `MAX_BYTES`.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from model.reading.preprocess import ImageReadError, ImageTooLargeError, decode_image

MAX_BYTES = (
    5 * 1024 * 1024
)  # the largest file accepted, in the browser (dcc.Upload max_size) and here
MAX_SIDE = 8_000  # the longest side accepted, in pixels
MAX_UPLOAD_PIXELS = 25_000_000  # the most pixels accepted (a 5000x5000 photo)
DATA_URL_HEADER = 256  # "data:image/png;base64," and the like, generously
MAX_BODY_BYTES = (
    4 * -(-MAX_BYTES // 3) + DATA_URL_HEADER + 1024 * 1024
)  # the file as base64 + the rest of a request
FORMATS = "PNG, JPEG, BMP, TIFF, WebP or GIF"


def megabytes(size: int) -> str:
    """`size` bytes as "4.2 MB"."""
    return f"{size / 1024 / 1024:.1f} MB"


def check_dimensions(data: bytes) -> tuple[int, int]:
    """The (width, height) in the header of image file `data`; `ImageReadError` if unknown or too
    large.

    Only the header is read (Pillow opens lazily), so a decompression bomb is refused before it is
    decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise ImageTooLargeError(
            f"the image is too large: at most {MAX_SIDE:,} pixels a side and "
            f"{MAX_UPLOAD_PIXELS:,} pixels in all are accepted"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageReadError(f"the file is not an image that can be read ({FORMATS})") from error
    if max(width, height) > MAX_SIDE or width * height > MAX_UPLOAD_PIXELS:
        raise ImageTooLargeError(
            f"the image is too large ({width:,}x{height:,} pixels); at most {MAX_SIDE:,} pixels a "
            f"side and {MAX_UPLOAD_PIXELS:,} pixels in all are accepted"
        )
    return width, height


def check_pixels(image: np.ndarray) -> np.ndarray:
    """`image` if its values are finite and within 0-255 (0-1 for floats is fine too); else
    `ImageReadError`."""
    if image.dtype in (np.uint8, np.uint16):
        return image
    if not np.issubdtype(image.dtype, np.number) or np.issubdtype(image.dtype, np.complexfloating):
        raise ImageReadError(
            f"the image's pixels are of type {image.dtype}, which cannot be read as gray levels"
        )
    if not np.isfinite(image).all():
        raise ImageReadError(
            "the image has pixels that are not numbers (NaN or infinite), so it cannot be read"
        )
    low, high = float(image.min(initial=0)), float(image.max(initial=0))
    if low < 0 or high > 255:
        raise ImageReadError(
            f"the image's pixel values run from {low:g} to {high:g}; only 0 to 255 (or 0 to 1) "
            "can be read as gray levels"
        )
    return image


def upload_image(contents: object, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """The image of a dcc.Upload `contents` data URL, as an array of finite values in 0-255.

    Raises `model.reading.preprocess.ImageReadError` (`ImageTooLargeError` for too many bytes or
    pixels: its `kind` says which refusal) whose message
    says what is wrong: not a file, too large (bytes or pixels), empty, not an image, unusable
    pixels.
    """
    if not isinstance(contents, str) or not contents.startswith("data:"):
        raise ImageReadError("the upload is not a file (expected a data URL)")
    header, _, encoded = contents.partition(",")  # an empty file comes as "data:"
    if len(header) > DATA_URL_HEADER or (encoded and not header.endswith(";base64")):
        raise ImageReadError("the upload is not a file (expected base64 data)")
    size = len(encoded) * 3 // 4 - encoded[-2:].count("=")
    if size > max_bytes:
        raise ImageTooLargeError(
            f"the file is too large ({megabytes(size)}); the limit is {megabytes(max_bytes)}"
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageReadError("the upload is damaged (its base64 data cannot be decoded)") from error
    if not data:
        raise ImageReadError("the file is empty")
    check_dimensions(data)
    return check_pixels(decode_image(data))
