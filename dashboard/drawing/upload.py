"""Uploaded image files: check the size of dcc.Upload's data URL, then decode it with model/."""

from __future__ import annotations

import base64
import binascii

import numpy as np

from model.preprocess import decode_image

MAX_BYTES = 5 * 1024 * 1024  # the largest file accepted, in the browser (dcc.Upload max_size) and here


def megabytes(size: int) -> str:
    """`size` bytes as "4.2 MB"."""
    return f"{size / 1024 / 1024:.1f} MB"


def upload_image(contents: object, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """The image of a dcc.Upload `contents` data URL, as a uint8 array.

    Raises `ValueError` (`model.preprocess.ImageReadError` for unreadable images) whose message
    says what is wrong: not a file, too large, empty, not an image.
    """
    if not isinstance(contents, str) or not contents.startswith("data:"):
        raise ValueError("the upload is not a file (expected a data URL)")
    header, _, encoded = contents.partition(",")  # an empty file comes as "data:"
    if encoded and not header.endswith(";base64"):
        raise ValueError("the upload is not a file (expected base64 data)")
    size = len(encoded) * 3 // 4 - encoded[-2:].count("=")
    if size > max_bytes:
        raise ValueError(f"the file is too large ({megabytes(size)}); the limit is {megabytes(max_bytes)}")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the upload is damaged (its base64 data cannot be decoded)") from error
    return decode_image(data)
