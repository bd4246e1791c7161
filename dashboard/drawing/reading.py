"""How the Draw page shows the model's reading of a drawing or photo: text, confidence bars, its
inputs.

A reading is the list of classifications of the digits found, left to right: one for a single
digit, several for a number, none when nothing is drawn. `stored_reading` packs what the model
read (each 28x28 input, digit and confidence) into the page's small store, so that the heatmap
explains exactly those inputs without reading the drawing again; `read_store` unpacks and checks it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from dash import html

from dashboard.components import tile
from model import config
from model.reading.classify import Classification

INPUT_SHAPE = (config.IMAGE_SIZE, config.IMAGE_SIZE)
MAX_STORED_DIGITS = 32  # more digits than a number on the canvas can hold

EMPTY_TEXT = "Draw a digit"
UNSURE_TEXT = "Not sure"
REFUSED_TEXT = "Not a digit"
PEN_HINT = "The pen is thick for a drawing this small: draw bigger, or choose a thinner pen."


def _guess(reading: Sequence[Classification]) -> str:
    """ "best guess 7 (41%)" of the digits in `reading`."""
    return (
        f"best guess {''.join(str(c.digit) for c in reading)} "
        f"({' · '.join(f'{c.confidence:.0%}' for c in reading)})"
    )


def prediction_text(reading: Sequence[Classification], *, empty: str = EMPTY_TEXT) -> str:
    """ "7 · 98%", "42 · 97% · 88%"; `empty` when nothing is read; "Not sure · best guess 7 (41%)"
    when unsure;
    "Not a digit · best guess 7 (41%)" when every mark was refused (marks refused beside digits are
    left out).

    The text begins with a digit only when the model is sure of every digit it read.
    """
    if not reading:
        return empty
    digits = [c for c in reading if not c.refused]
    if not digits:
        return f"{REFUSED_TEXT} · {_guess(reading)}"
    if any(c.unsure for c in digits):
        return f"{UNSURE_TEXT} · {_guess(digits)}"
    number = "".join(str(c.digit) for c in digits)
    return f"{number} · {' · '.join(f'{c.confidence:.0%}' for c in digits)}"


def prediction_view(reading: Sequence[Classification], *, empty: str = EMPTY_TEXT) -> str | list:
    """`prediction_text` for the page: when nothing was read as a digit, "Not a digit" and the best
    guess in grey."""
    text = prediction_text(reading, empty=empty)
    if not text.startswith(REFUSED_TEXT):
        return text
    return [REFUSED_TEXT, html.Span(text[len(REFUSED_TEXT) :], className="best-guess")]


def reading_message(reading: Sequence[Classification]) -> str:
    """What the page says under the answer: the marks left out as not digits, and a pen too thick
    for the drawing."""
    notes = []
    refused = sum(c.refused for c in reading)
    if refused and refused < len(reading):
        notes.append(
            f"{refused} mark{'s' if refused > 1 else ''} that {'are' if refused > 1 else 'is'} not "
            "a digit "
            f"left out."
        )
    if any(c.pen_too_thick for c in reading):
        notes.append(PEN_HINT)
    return " ".join(notes)


def confidence_bars(probabilities: np.ndarray, *, title: str | None = None) -> html.Div:
    """Ten horizontal bars, one per digit, the most probable one highlighted."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (10,):
        raise ValueError(f"probabilities must have shape (10,), got {probabilities.shape}")
    best = int(probabilities.argmax())
    rows = [
        html.Div(
            [
                html.Span(str(digit), className="bar-digit"),
                html.Span(
                    html.Span(className="bar-fill", style={"width": f"{100 * p:.1f}%"}),
                    className="bar-track",
                ),
                html.Span(f"{p:.1%}", className="bar-value"),
            ],
            className="bar best" if digit == best else "bar",
            title=f"digit {digit}: {p:.2%}",
        )
        for digit, p in enumerate(probabilities)
    ]
    head = [html.Div(title, className="bars-title")] if title else []
    return html.Div(head + rows, className="bars")


def _bars_title(classification: Classification, number: int, count: int) -> str | None:
    where = f"mark {number} of {count}" if count > 1 else None
    if classification.refused:
        return f"{where}: not a digit, best guess" if where else "Not a digit: the best guess"
    return where


def reading_bars(
    reading: Sequence[Classification], *, described: str | None = None
) -> list[html.Div]:
    """The confidence bars of each mark read (titled by position for a number, greyed when refused;
    the first also says what the probabilities are, `described`); zero when empty."""
    if not reading:
        return [confidence_bars(np.zeros(10))]
    bars = []
    for number, c in enumerate(reading, 1):
        title = _bars_title(c, number, len(reading))
        if described and number == 1:
            title = f"{title} · {described}" if title else f"probabilities: {described}"
        view = confidence_bars(c.probabilities, title=title)
        if c.refused:
            view.className = "bars refused"
        bars.append(view)
    return bars


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A [0, 1] float image as uint8 0-255."""
    return (np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255).round().astype(np.uint8)


def _tile_label(c: Classification) -> str:
    if c.refused:
        return f"not a digit ({c.digit}?)"
    return f"{UNSURE_TEXT.lower()}: {c.digit}?" if c.unsure else str(c.digit)


def input_tiles(reading: Sequence[Classification]) -> html.Div:
    """The 28x28 input of each digit exactly as the model sees it, with its digit and confidence."""
    if not reading:
        return html.Div(html.P("Nothing to read yet.", className="note"), className="inputs")
    tiles = [tile(to_uint8(c.input), [_tile_label(c), f"{c.confidence:.1%}"]) for c in reading]
    return html.Div(tiles, className="inputs")


@dataclass(frozen=True)
class StoredDigit:
    """One digit read, as the heatmap needs it: the model's 28x28 input, the digit read and its
    confidence."""

    input: np.ndarray
    digit: int
    confidence: float


def stored_reading(reading: Sequence[Classification]) -> list[dict]:
    """The reading as JSON for a `dcc.Store`: per digit its float32 input (base64), digit and
    confidence."""
    return [
        {
            "input": base64.b64encode(np.ascontiguousarray(c.input, np.float32).tobytes()).decode(
                "ascii"
            ),
            "digit": c.digit,
            "confidence": c.confidence,
        }
        for c in reading
    ]


def _stored_digit(item: object, number: int) -> StoredDigit:
    """One stored digit, checked; `ValueError` naming what is wrong."""
    if not isinstance(item, dict) or not isinstance(item.get("input"), str):
        raise ValueError(f"stored reading: digit {number} must be an object with an 'input' string")
    try:
        raw = base64.b64decode(item["input"], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"stored reading: digit {number} has undecodable input") from error
    if len(raw) != 4 * INPUT_SHAPE[0] * INPUT_SHAPE[1]:
        raise ValueError(
            f"stored reading: digit {number} input must be 28x28 float32, got {len(raw)} bytes"
        )
    image = np.frombuffer(raw, np.float32).reshape(INPUT_SHAPE)
    if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
        raise ValueError(f"stored reading: digit {number} input must hold finite values in [0, 1]")
    digit, confidence = item.get("digit"), item.get("confidence")
    if isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit < config.NUM_CLASSES:
        raise ValueError(f"stored reading: digit {number} 'digit' must be 0-9, got {digit!r:.20}")
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not 0 <= confidence <= 1
    ):
        raise ValueError(
            f"stored reading: digit {number} 'confidence' must be in [0, 1], got {confidence!r:.20}"
        )
    return StoredDigit(image, digit, float(confidence))


def read_store(data: object) -> list[StoredDigit]:
    """The digits of a store written by `stored_reading`; None gives none; `ValueError` if it is
    malformed."""
    if data is None:
        return []
    if not isinstance(data, list) or len(data) > MAX_STORED_DIGITS:
        raise ValueError(f"stored reading must be a list of at most {MAX_STORED_DIGITS} digits")
    return [_stored_digit(item, number) for number, item in enumerate(data)]
