"""A view's state in the URL's query string: reading each value with a message when a link holds a
bad one.

Pages receive the query parameters as keyword arguments of their `layout` (Dash Pages) and write
them back with `window.mnistQuery` (assets/url_state.js). A value that cannot be used is not
replaced silently: the reader returns the fallback and a message saying what was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QueryValue:
    """A query parameter as read: the value to use, and a message when the link's value was
    unusable."""

    value: object
    message: str | None = None


def query_int(raw: object, name: str, *, low: int, high: int, fallback: int | None) -> QueryValue:
    """Integer parameter `name` in [`low`, `high`]; `fallback` (with a message unless it was absent)
    otherwise."""
    if raw is None or raw == "":
        return QueryValue(fallback)
    text = str(raw).strip()
    try:
        value = int(text)
    except ValueError:
        return QueryValue(
            fallback,
            f"The link's {name}={text[:40]!r} is not a whole number; "
            f"use {name}= a number from {low} to {high}.",
        )
    if not low <= value <= high:
        return QueryValue(
            fallback,
            f"The link's {name}={value} is out of range; use {name}= a number from {low} "
            f"to {high}.",
        )
    return QueryValue(value)


def query_choice(raw: object, name: str, choices: Sequence[str], *, fallback: str) -> QueryValue:
    """Parameter `name`, one of `choices`; `fallback` (with a message unless it was absent)
    otherwise."""
    if raw is None or raw == "":
        return QueryValue(fallback)
    if str(raw) in choices:
        return QueryValue(str(raw))
    return QueryValue(
        fallback,
        f"The link's {name}={str(raw)[:40]!r} is not one of {', '.join(choices)}; "
        f"showing {fallback}.",
    )


def query_cell(raw: object, name: str = "cell") -> QueryValue:
    """A confusion-matrix cell "TRUE-PREDICTED" (two digits 0-9) as a (true, predicted) pair, else
    None."""
    if raw is None or raw == "":
        return QueryValue(None)
    parts = str(raw).split("-")
    if len(parts) == 2 and all(part.isdigit() and len(part) == 1 for part in parts):
        return QueryValue((int(parts[0]), int(parts[1])))
    return QueryValue(
        None,
        f"The link's {name}={str(raw)[:40]!r} is not a cell; use {name}=TRUE-PREDICTED with "
        f"two digits 0-9, e.g. {name}=4-9.",
    )


def messages(*values: QueryValue) -> list[str]:
    """The messages of the values that had one."""
    return [value.message for value in values if value.message]
