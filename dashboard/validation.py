"""The checks every callback runs on its inputs first, one small checker per kind of input.

In the style of scikit-learn's validators: each returns the value in the form the code needs, or
raises `InvalidInput` whose message names the input, the value received (shortened) and what is
allowed. The app's `on_error` hook (dashboard/shell/guard.py) turns `InvalidInput` into "no update"
(HTTP 204) and a log line, so a value no browser sends (a forged or buggy request) never reaches
the code past the check and never becomes a 500. Callbacks whose inputs the user types (the Train
form) catch it and show the message next to the field instead.

Bounds on the raw request (body size, JSON depth) are checked before parsing, in
dashboard/hardening.py; the body's shape (its callback, ids and properties) before Dash dispatches
it, in dashboard/callback_shape.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import TypeVar

from model.core.runs import check_run_name

T = TypeVar("T")
MAX_TEXT = 256  # characters of a free-text input (run names are shorter still)
MAX_ITEMS = 64  # items of a list input (the runs to compare, checklist values)
MAX_CLICKS = 10**9  # n_clicks and similar counters


class InvalidInput(ValueError):
    """A callback input outside what its component can send."""


def shown(value: object, limit: int = 60) -> str:
    """`value`'s repr, shortened to `limit` characters for messages and logs."""
    text = (
        repr(value)
        if not isinstance(value, (list, dict)) or len(value) < 20
        else f"<{type(value).__name__} of {len(value):,} items>"
    )
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def fail(name: str, value: object, allowed: str) -> InvalidInput:
    """The error for input `name`: what was received and what is allowed."""
    return InvalidInput(f"{name} must be {allowed}, got {shown(value)}")


def check_choice(value: object, name: str, choices: Collection) -> object:
    """`value` if it is one of `choices` (compared by type too: True is not 1)."""
    if isinstance(value, (list, dict)) or not any(
        type(value) is type(c) and value == c for c in choices
    ):
        raise fail(name, value, f"one of {', '.join(map(repr, list(choices)[:12]))}")
    return value


def check_int(value: object, name: str, low: int, high: int) -> int:
    """`value` as a whole number in [low, high] (a float with no fractional part is accepted)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not (math.isfinite(value) and value.is_integer()))
        or not low <= value <= high
    ):
        raise fail(name, value, f"a whole number from {low:,} to {high:,}")
    return int(value)


def check_number(value: object, name: str, low: float, high: float) -> float:
    """`value` as a finite number in [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise fail(name, value, f"a number from {low:g} to {high:g}")
    return float(value)


def check_clicks(value: object, name: str = "n_clicks") -> int:
    """A click counter: None (never clicked) as 0, else a whole number from 0."""
    return 0 if value is None else check_int(value, name, 0, MAX_CLICKS)


def check_text(
    value: object, name: str, *, max_length: int = MAX_TEXT, optional: bool = True
) -> str | None:
    """`value` as a string of at most `max_length` characters (None allowed if `optional`)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise fail(name, value, f"text of at most {max_length} characters")
    return value


def check_run(value: object, name: str = "run") -> str:
    """A run name as the run selector sends it (existence is the service's to check)."""
    if not isinstance(value, str):
        raise fail(name, value, "a run name (text)")
    try:
        return check_run_name(value)
    except ValueError as error:
        raise fail(
            name, value, "a run name of letters, digits, '.', '_' and '-' (at most 64)"
        ) from error


def check_list(
    value: object,
    name: str,
    item: Callable[[object, str], T],
    *,
    max_items: int = MAX_ITEMS,
    optional: bool = True,
) -> list[T]:
    """`value` as a list of at most `max_items` items, each checked by `item(value, name)`; None as
    []."""
    if value is None and optional:
        return []
    if not isinstance(value, list) or len(value) > max_items:
        raise fail(name, value, f"a list of at most {max_items} items")
    return [item(element, f"{name}[{position}]") for position, element in enumerate(value)]


def check_dict(value: object, name: str, *, optional: bool = True) -> dict | None:
    """`value` if it is a JSON object (None allowed if `optional`)."""
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        raise fail(name, value, "an object")
    return value


def point_of(data: object, name: str) -> dict | None:
    """The first point of a graph's clickData/hoverData, or None when there is none."""
    data = check_dict(data, name)
    if data is None:
        return None
    points = data.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        raise fail(name, data, "graph event data with a list of points")
    return points[0]
