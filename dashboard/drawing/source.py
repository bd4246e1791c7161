"""The image a page looks inside: a test image by number, or the last drawing from the Draw page.

The Draw page keeps the id of its last drawing's reading in the shell's session store
`SHELL_DRAWING`; the reading itself (each 28x28 model input) is kept on the server
(`dashboard.drawing.kept`), so that /network and /attack can show it; once it has expired they
say to draw again. `source_controls` lays out the choice for a page,
`source_image` resolves it to pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from dash import dcc, html

from dashboard.drawing.kept import kept_digits
from dashboard.service import current
from model.core.mnist import pixels

TEST, DRAWING = "test", "drawing"
SOURCES = {TEST: "a test image", DRAWING: "your last drawing"}
NO_DRAWING = "No drawing yet: draw a digit on the Draw page, then come back."


@dataclass(frozen=True)
class Source:
    """An image to look inside: float pixels (28, 28), its true label (None for a drawing) and a
    caption."""

    image: np.ndarray
    label: int | None
    caption: str


def source_controls(source_id: str, index_id: str, random_id: str, *, index: int = 0) -> html.Div:
    """The choice of image: a test image (number and a Random button) or the last drawing."""
    count = len(current().mnist.y_test)
    return html.Div(
        [
            dcc.RadioItems(
                id=source_id,
                options=[{"label": v, "value": k} for k, v in SOURCES.items()],
                value=TEST,
                inline=True,
                className="radio",
            ),
            html.Label(
                [
                    "Test image #",
                    dcc.Input(
                        id=index_id,
                        type="number",
                        min=0,
                        max=count - 1,
                        step=1,
                        value=index,
                        debounce=True,
                    ),
                ]
            ),
            html.Button("Random", id=random_id, n_clicks=0, className="button"),
        ],
        className="controls source-controls",
    )


def query_index(value: object) -> int:
    """An `?index=` query value as a test index, 0 when missing or out of range."""
    count = len(current().mnist.y_test)
    try:
        index = int(str(value))
    except ValueError:
        return 0
    return index if 0 <= index < count else 0


def random_index(clicks: int) -> int:
    """A test index chosen by the number of clicks (each click another one)."""
    return int(np.random.default_rng(clicks).integers(len(current().mnist.y_test)))


def source_image(source: object, index: object, drawing: object) -> Source:
    """The chosen image; `ValueError` with what to do when there is none (bad number, no drawing
    yet)."""
    mnist = current().mnist
    if source == DRAWING:
        digits = kept_digits(drawing)
        if not digits:
            raise ValueError(NO_DRAWING)
        first = digits[0]
        return Source(first.input, None, f"Your last drawing (read as {first.digit})")
    count = len(mnist.y_test)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"Enter a test image number from 0 to {count - 1}.")
    label = int(mnist.y_test[index])
    return Source(pixels(mnist.x_test[index]), label, f"Test image #{index} · label {label}")
