"""How the Draw page shows the model's reading of a drawing or photo: text, confidence bars, its inputs.

A reading is the list of classifications of the digits found, left to right: one for a single
digit, several for a number, none when nothing is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from dash import html

from dashboard.components import tile
from model.inference import Classification

EMPTY_TEXT = "Draw a digit"
UNSURE_TEXT = "Not sure"


def prediction_text(reading: Sequence[Classification], *, empty: str = EMPTY_TEXT) -> str:
    """"7 · 98%", "42 · 97% · 88%"; `empty` when nothing is read; "Not sure · best guess 7 (41%)" when unsure.

    The text begins with a digit only when the model is sure of every digit it read.
    """
    if not reading:
        return empty
    number = "".join(str(c.digit) for c in reading)
    confidences = " · ".join(f"{c.confidence:.0%}" for c in reading)
    if any(c.unsure for c in reading):
        return f"{UNSURE_TEXT} · best guess {number} ({confidences})"
    return f"{number} · {confidences}"


def confidence_bars(probabilities: np.ndarray, *, title: str | None = None) -> html.Div:
    """Ten horizontal bars, one per digit, the most probable one highlighted."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (10,):
        raise ValueError(f"probabilities must have shape (10,), got {probabilities.shape}")
    best = int(probabilities.argmax())
    rows = [
        html.Div([
            html.Span(str(digit), className="bar-digit"),
            html.Span(html.Span(className="bar-fill", style={"width": f"{100 * p:.1f}%"}), className="bar-track"),
            html.Span(f"{p:.1%}", className="bar-value"),
        ], className="bar best" if digit == best else "bar", title=f"digit {digit}: {p:.2%}")
        for digit, p in enumerate(probabilities)
    ]
    head = [html.Div(title, className="bars-title")] if title else []
    return html.Div(head + rows, className="bars")


def reading_bars(reading: Sequence[Classification]) -> list[html.Div]:
    """The confidence bars of each digit read (titled by position for a number); all zero when empty."""
    if not reading:
        return [confidence_bars(np.zeros(10))]
    if len(reading) == 1:
        return [confidence_bars(reading[0].probabilities)]
    return [confidence_bars(c.probabilities, title=f"digit {n} of {len(reading)}") for n, c in enumerate(reading, 1)]


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A [0, 1] float image as uint8 0-255."""
    return (np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255).round().astype(np.uint8)


def input_tiles(reading: Sequence[Classification]) -> html.Div:
    """The 28x28 input of each digit exactly as the model sees it, with its digit and confidence."""
    if not reading:
        return html.Div(html.P("Nothing to read yet.", className="note"), className="inputs")
    tiles = [
        tile(to_uint8(c.input), [f"{UNSURE_TEXT.lower()}: {c.digit}?" if c.unsure else str(c.digit),
                                 f"{c.confidence:.1%}"])
        for c in reading
    ]
    return html.Div(tiles, className="inputs")
