"""Memory freed by a request goes back to the system at once, not kept by the allocator.

glibc's malloc keeps freed memory in per-thread arenas, and raises its threshold for mapping large
blocks each time one is freed, so the buffers of images read in several threads stay in the
server's memory after the requests end (16 uploads at once left +300 MB). `return_freed_memory`
caps the arenas and fixes the threshold (`settings.MALLOC_ARENAS`, `settings.MMAP_THRESHOLD`):
large buffers are mapped and unmapped with their arrays. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

from dashboard.settings import MALLOC_ARENAS, MMAP_THRESHOLD

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # mallopt's parameters (glibc's malloc.h)


def return_freed_memory() -> bool:
    """Tune glibc's malloc as said above; False (logged) where there is no glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:
        logger.info("no glibc mallopt: freed memory is returned as the allocator decides")
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_ARENA_MAX, MALLOC_ARENAS))
