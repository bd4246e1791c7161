"""At most `settings.READINGS_AT_ONCE` readings at once in this server process.

A reading (decoding an upload, finding its parts, classifying them) holds a slot; a request that
finds every slot taken waits up to `settings.BUSY_WAIT_SECONDS`, then is refused as busy (a
`BusyError`, said on the page like any refusal): never a queue without end, never a 500.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dashboard.settings import BUSY_WAIT_SECONDS, READINGS_AT_ONCE
from model.reading.refusal import Refusal, RefusedImage

logger = logging.getLogger(__name__)

_SLOTS = threading.BoundedSemaphore(READINGS_AT_ONCE)


class BusyError(RefusedImage):
    """Every reading slot stayed taken while the request waited."""

    kind = Refusal.BUSY


@contextmanager
def reading_slot(wait: float = BUSY_WAIT_SECONDS) -> Iterator[None]:
    """Hold one reading slot for the block; `BusyError` when none frees up within `wait` s."""
    if not _SLOTS.acquire(timeout=wait):
        logger.warning("a reading was refused: %d readings already run", READINGS_AT_ONCE)
        raise BusyError(
            f"the server is busy reading {READINGS_AT_ONCE} other images: try again in a moment"
        )
    try:
        yield
    finally:
        _SLOTS.release()
