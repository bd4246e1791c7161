"""What a stroke, an upload or Clear gives the Draw page: the reading, in one request.

The image is read once; the reading is kept on the server under an id (`dashboard.drawing.kept`),
which the page's stores hold; the answer, the bars and the inputs come back with it, and the
heatmap and the what-if card follow in one more request that fetches the reading by id. The canvas
and the upload are never both in use: a stroke drops the upload, an upload clears the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from dash import no_update

from dashboard import ids
from dashboard.drawing import canvas, kept
from dashboard.drawing.reading import (
    EMPTY_TEXT,
    input_tiles,
    kept_reading,
    prediction_view,
    reading_bars,
    reading_message,
)
from dashboard.drawing.upload import upload_image
from dashboard.figures.theme import fig_message
from dashboard.figures.upload import fig_upload
from dashboard.service import current
from model.reading.refusal import Refusal, RefusedImage, sentence, text

BACKGROUNDS = canvas.blank_backgrounds()
BOARD_CLASS = {"empty": "draw-board", "canvas": "draw-board", "upload": "draw-board showing-upload"}


@dataclass(frozen=True)
class Board:
    """What the board becomes after the trigger: the source read, the canvas's background and the
    upload (Dash's `no_update` where they stay)."""

    source: str
    background: object
    upload: object


def board_after(trigger: object, source: str | None, background: str, contents: object) -> Board:
    """The board once `trigger` fired: a stroke means the canvas, an upload or Clear clears it."""
    source = {
        ids.DRAW_CLEAR: "empty",
        ids.DRAW_UPLOAD: "upload",
        ids.DRAW_CANVAS: "canvas",
    }.get(trigger, source or "empty")
    other = BACKGROUNDS[1] if background == BACKGROUNDS[0] else BACKGROUNDS[0]
    cleared = other if trigger in (ids.DRAW_CLEAR, ids.DRAW_UPLOAD) else no_update
    dropped = None if source != "upload" and contents is not None else no_update
    return Board(source, cleared, dropped)


def drawing(source: str, json_data: object, contents: object) -> np.ndarray | None:
    """The image of `source` ("canvas" or "upload"); None when there is none.

    Raises `ValueError` saying what is wrong with malformed canvas data or a bad upload.
    """
    if source == "canvas":
        image = canvas.canvas_image(json_data)
        return image if image.any() else None
    if source == "upload" and contents is not None:
        return upload_image(contents)
    return None


def upload_view(image: np.ndarray | None, reading: list, filename: object) -> object:
    """The uploaded image with a box around each mark found and its reading; a note when there is
    none."""
    name = filename if isinstance(filename, str) else "the upload"
    if image is None:
        return fig_message(f"{name[:80]}: cannot be shown")
    boxes = [c.box for c in reading if c.box is not None]
    if len(boxes) != len(reading):
        return fig_upload(image, [], [], [], title=name[:80])
    captions = [
        text(c.refusal).reason if c.refused else f"{c.digit} · {c.confidence:.0%}" for c in reading
    ]
    return fig_upload(image, boxes, captions, [c.refused for c in reading], title=name[:80])


def refused_outputs(error: ValueError, board: Board) -> tuple:
    """The outputs when the drawing or upload cannot be read: the message, and no reading left from
    before."""
    kind = error.kind if isinstance(error, RefusedImage) else Refusal.UNREADABLE
    what = "upload" if board.source == "upload" else "drawing"
    view = fig_message(sentence(str(error))) if board.source == "upload" else no_update
    return (
        text(kind).title(what),
        sentence(str(error)),
        reading_bars([]),
        input_tiles([]),
        "empty",
        board.background,
        board.upload,
        None,
        view,
        BOARD_CLASS[board.source if board.source in BOARD_CLASS else "empty"],
    )


@dataclass(frozen=True)
class Options:
    """How to read and show: the run, one digit or a number, the probabilities, the upload's name
    and the tab's last drawing (its id names the tab's session)."""

    run_name: str
    number: bool
    scale: str
    filename: object
    last_drawing: object


def read_outputs(image: np.ndarray | None, board: Board, options: Options) -> tuple:
    """Read `image` once, keep the reading, and give every output of the page's reading callback
    (the reading's id among them)."""
    try:
        raw = (
            []
            if image is None
            else current().read_image(options.run_name, image, number=options.number)
        )
    except RefusedImage as error:  # a kind of refusal met while reading, besides "empty"
        return refused_outputs(error, board)
    reading = current().calibrated_reading(options.run_name, raw)
    digits = kept_reading(reading)
    session = kept.session_of(options.last_drawing)
    reading_id = kept.readings().put(digits, session=session) if digits else None
    message = (
        reading_message(reading)
        if reading or image is None
        else sentence(text(Refusal.EMPTY).reason)
    )
    upload = board.source == "upload"
    empty = text(Refusal.EMPTY).label if upload else EMPTY_TEXT
    shown = raw if options.scale == "raw" else reading  # the switch decides what every number is
    return (
        prediction_view(shown, empty=empty),
        message,
        reading_bars(
            shown,
            described=current().described(options.run_name, calibrated=options.scale != "raw"),
        ),
        input_tiles(reading),
        board.source,
        board.background,
        board.upload,
        reading_id,
        upload_view(image, shown, options.filename) if upload else no_update,
        BOARD_CLASS[board.source],
    )
