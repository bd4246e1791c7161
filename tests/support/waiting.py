"""Wait for a condition by polling it with a deadline, never by a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(condition: Callable[[], T], seconds: float, *, every: float = 0.2, what: str = "") -> T:
    """Call `condition` every `every` s until it returns something truthy, and return that;
    `TimeoutError` naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what or 'the condition'} did not hold within {seconds:g} s")
        time.sleep(every)
    return value
