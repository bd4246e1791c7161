"""What one reading may cost, checked before the work: the decoded size of an image file, the
parts of a number, and the time; over budget is a refusal of its own kind with a clear message.

The limits are in `model.config` (reading budgets). An image file's size once decoded is computed
from its header (width x height x channels x bytes per sample, with Pillow, which reads headers
lazily) before anything is decoded; a file too large to decode as stored is decoded straight to
8-bit grey when that fits. The parts of a number are counted from its connected components before
any is classified, and the search for cuts of wide parts is bounded.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageMode, UnidentifiedImageError

from model import config
from model.reading.refusal import Refusal, RefusedImage


class TooManyPartsError(RefusedImage):
    """The image holds more separate marks or parts than a number may have."""

    kind = Refusal.TOO_MANY_PARTS


class TooSlowError(RefusedImage):
    """The reading took longer than its time budget."""

    kind = Refusal.TOO_SLOW


@dataclass(frozen=True)
class Header:
    """What an image file's header says: its size in pixels and in bytes once decoded as stored."""

    width: int
    height: int
    decoded_bytes: int

    @property
    def pixels(self) -> int:
        """Width times height."""
        return self.width * self.height


def _bytes_per_sample(image: Image.Image) -> int:
    """Bytes of one sample as the file stores it (16-bit PNGs decode as 8-bit modes in Pillow)."""
    stored = np.dtype(ImageMode.getmode(image.mode).typestr).itemsize
    raw = " ".join(str(tile.args) for tile in getattr(image, "tile", []))
    return max(stored, 2 if "16" in raw else 1)


def read_header(data: bytes) -> Header | None:
    """The header of image file `data` (nothing decoded); None when Pillow cannot read it.

    Raises Pillow's `Image.DecompressionBombError` for a header claiming a gigantic image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                channels = len(image.getbands())
                sample = _bytes_per_sample(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, KeyError):
        return None
    return Header(width, height, width * height * channels * sample)


def check_parts(count: int, what: str = "separate marks", limit: int = config.MAX_PARTS) -> None:
    """`TooManyPartsError` when a number's image holds more than `limit` `what`."""
    if count > limit:
        raise TooManyPartsError(
            f"the image holds {count:,} {what}: a number is read with at most "
            f"{config.MAX_PARTS} digits"
        )


@dataclass
class Deadline:
    """The time budget of one reading, from its start; `check` between its stages."""

    seconds: float = config.READING_SECONDS
    start: float = field(default_factory=time.monotonic)

    def check(self, stage: str) -> None:
        """`TooSlowError` naming `stage` when the reading has run over its budget."""
        spent = time.monotonic() - self.start
        if spent > self.seconds:
            raise TooSlowError(
                f"reading the image took over {self.seconds:g} s (stopped at {stage}): try a "
                "smaller or simpler image"
            )
