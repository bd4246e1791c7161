"""How the Draw page shows the model's reading of a drawing or photo: text, confidence bars, its
inputs.

A reading is the list of classifications of the digits found, left to right: one for a single
digit, several for a number, none when nothing is drawn. What is said of a refused mark, or beside
a digit, comes from the one table of `model.reading.refusal`. `kept_reading` is what the server
keeps of a reading (each 28x28 input, digit and confidence), so that the heatmap and the what-if
card explain exactly those inputs without reading the drawing again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from dash import html

from dashboard.components import tile
from dashboard.drawing.kept import KeptDigit
from model.reading.classify import Classification
from model.reading.refusal import Refusal, sentence, text

EMPTY_TEXT = "Draw a digit"
UNSURE_TEXT = "Not sure"


def _guess(reading: Sequence[Classification]) -> str:
    """ "best guess 7 (41%)" of the digits in `reading`."""
    return (
        f"best guess {''.join(str(c.digit) for c in reading)} "
        f"({' · '.join(f'{c.confidence:.0%}' for c in reading)})"
    )


def prediction_text(reading: Sequence[Classification], *, empty: str = EMPTY_TEXT) -> str:
    """ "7 · 98%", "42 · 97% · 88%"; `empty` when nothing is read;
    "Not sure · best guess 7 (41%)" when unsure;
    "Not a digit · best guess 7 (41%)" when every mark was refused (marks refused beside digits are
    left out).

    The text begins with a digit only when the model is sure of every digit it read.
    """
    if not reading:
        return empty
    digits = [c for c in reading if not c.refused]
    if not digits:
        return f"{_refused_label(reading)} · {_guess(reading)}"
    if any(c.unsure for c in digits):
        return f"{UNSURE_TEXT} · {_guess(digits)}"
    number = "".join(str(c.digit) for c in digits)
    return f"{number} · {' · '.join(f'{c.confidence:.0%}' for c in digits)}"


def _refused_label(reading: Sequence[Classification]) -> str:
    """The label of the first mark's refusal ("Not a digit"), when every mark was refused."""
    return text(reading[0].refusal or Refusal.NOT_A_DIGIT).label


def prediction_view(reading: Sequence[Classification], *, empty: str = EMPTY_TEXT) -> str | list:
    """`prediction_text` for the page: when nothing was read as a digit, why ("Not a digit") and
    the best guess in grey."""
    shown = prediction_text(reading, empty=empty)
    if not reading or not all(c.refused for c in reading):
        return shown
    label = _refused_label(reading)
    return [label, html.Span(shown[len(label) :], className="best-guess")]


def reading_message(reading: Sequence[Classification]) -> str:
    """What the page says under the answer: the marks left out (by kind of refusal, "not a
    digit"), and the caveats (a pen too thick for the drawing)."""
    notes = []
    refusals = [c.refusal for c in reading if c.refusal is not None]
    if len(refusals) < len(reading):
        for kind in dict.fromkeys(refusals):
            count = refusals.count(kind)
            notes.append(
                f"{count} mark{'s' if count > 1 else ''} that {'are' if count > 1 else 'is'} "
                f"{text(kind).reason} left out."
            )
    caveats = dict.fromkeys(caveat for c in reading for caveat in c.caveats)
    notes.extend(sentence(text(caveat).reason) for caveat in caveats)
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
    if classification.refusal is not None:
        words = text(classification.refusal)
        return f"{where}: {words.reason}, best guess" if where else f"{words.label}: the best guess"
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
    if c.refusal is not None:
        return f"{text(c.refusal).reason} ({c.digit}?)"
    return f"{UNSURE_TEXT.lower()}: {c.digit}?" if c.unsure else str(c.digit)


def input_tiles(reading: Sequence[Classification]) -> html.Div:
    """The 28x28 input of each digit exactly as the model sees it, with its digit and confidence."""
    if not reading:
        return html.Div(html.P("Nothing to read yet.", className="note"), className="inputs")
    tiles = [tile(to_uint8(c.input), [_tile_label(c), f"{c.confidence:.1%}"]) for c in reading]
    return html.Div(tiles, className="inputs")


def kept_reading(reading: Sequence[Classification]) -> list[KeptDigit]:
    """What the views need of each digit read, to keep on the server (`dashboard.drawing.kept`)."""
    return [KeptDigit(c.input, c.digit, c.confidence) for c in reading]
