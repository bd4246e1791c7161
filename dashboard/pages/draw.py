"""Draw page: draw a digit or a number (or upload a photo of one) and watch the model read it.

dash-canvas posts its strokes when its Save button is clicked; assets/draw.js clicks it after
every stroke, so each stroke bumps the canvas's `trigger` and the reading updates by itself.
The reading (text, bars, inputs) answers first; it writes the small `DRAW_SOURCE` store ("empty",
"canvas" or "upload": what the reading is about) and `DRAW_READ` (the model's 28x28 inputs and
answers), from which the heatmap is drawn: each stroke is rasterized, preprocessed and predicted
once. The canvas and the upload are never both in use: a stroke drops the upload, an upload
clears the canvas.
"""

from __future__ import annotations

import dash
import dash_canvas
import numpy as np
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import GRAPH_CONFIG, card
from dashboard.drawing import canvas
from dashboard.drawing.reading import (
    EMPTY_TEXT,
    input_tiles,
    prediction_view,
    read_store,
    reading_bars,
    reading_message,
    stored_reading,
)
from dashboard.drawing.upload import MAX_BODY_BYTES, MAX_BYTES, megabytes, upload_image
from dashboard.drawing.whatif import register_callbacks, whatif_card
from dashboard.figures.saliency import fig_saliency
from dashboard.figures.theme import fig_message
from dashboard.figures.upload import fig_upload
from dashboard.service import current
from dashboard.validation import check_choice, check_clicks, check_run, check_text
from model.insight.saliency import METHODS, normalize_heatmap

dash.register_page(__name__, path="/draw", name="Draw", title="Draw · MNIST Explorer", order=50)

BACKGROUNDS = canvas.blank_backgrounds()
BRUSH = {"min": 8, "max": 40, "value": 20}  # pen width in canvas pixels; MNIST-like strokes are ~20
MODES = {"digit": "One digit", "number": "A number (several digits)"}
DEFAULT_METHOD = "integrated_gradients"
HIDDEN_BUTTONS = ["zoom", "pan", "line", "pencil", "rectangle", "undo", "select"]
EMPTY_HEATMAP = "Draw a digit to see which pixels the model's answer rests on."
SALIENCY_HEIGHT = 280
BOARD_CLASS = {"empty": "draw-board", "canvas": "draw-board", "upload": "draw-board showing-upload"}


def _board() -> html.Div:
    """The canvas (or, after an upload, the uploaded image in its place) and Clear."""
    return html.Div(
        [
            html.Div(
                dash_canvas.DashCanvas(
                    id=ids.DRAW_CANVAS,
                    width=canvas.COMPONENT_WIDTH,
                    image_content=BACKGROUNDS[0],
                    lineColor="white",
                    lineWidth=BRUSH["value"],
                    tool="pencil",
                    hide_buttons=HIDDEN_BUTTONS,
                    goButtonTitle="Save",
                ),
                className="draw-canvas",
                title="Draw with the mouse, a pen or a finger",
            ),
            dcc.Graph(
                id=ids.DRAW_UPLOAD_VIEW,
                figure=fig_message(""),
                config=GRAPH_CONFIG,
                className="upload-view",
            ),
            html.Button("Clear", id=ids.DRAW_CLEAR, n_clicks=0, className="button"),
        ],
        id=ids.DRAW_BOARD,
        className=BOARD_CLASS["empty"],
    )


def layout(**_query) -> html.Div:
    """The Draw page: the canvas and its controls, the model's answer, what it sees and where it
    looks."""
    board = _board()
    options = html.Div(
        [
            dcc.RadioItems(
                id=ids.DRAW_MODE,
                options=[{"label": v, "value": k} for k, v in MODES.items()],
                value="digit",
                inline=True,
                className="radio",
            ),
            html.Label(
                [
                    "Pen width",
                    dcc.Slider(
                        id=ids.DRAW_BRUSH,
                        step=2,
                        marks=None,
                        tooltip={"placement": "bottom"},
                        **BRUSH,
                    ),
                ],
                className="slider-label",
            ),
            html.Div(
                dcc.Upload(
                    id=ids.DRAW_UPLOAD,
                    max_size=MAX_BYTES,
                    multiple=False,
                    className="upload",
                    children=html.Div(
                        [
                            "Or drop a photo or scan of a digit or number here, or ",
                            html.A("choose a file"),
                            html.Br(),
                            html.Small(f"PNG or JPG, up to {megabytes(MAX_BYTES)}"),
                        ]
                    ),
                ),
                className="draw-upload",
                **{"data-max-bytes": str(MAX_BYTES), "data-message-id": ids.DRAW_MESSAGE},
            ),
        ],
        className="draw-options",
    )
    answer = html.Div(
        [
            html.Div(
                EMPTY_TEXT,
                id=ids.DRAW_PREDICTION,
                className="prediction",
                **{"aria-live": "polite"},
            ),
            html.Div(id=ids.DRAW_MESSAGE, className="draw-message", role="alert"),
            html.Div(reading_bars([]), id=ids.DRAW_BARS),
        ],
        className="draw-answer",
    )
    return html.Div(
        [
            html.H1("Draw"),
            dcc.Store(id=ids.DRAW_SOURCE, data="empty"),
            dcc.Store(id=ids.DRAW_READ, data=[]),
            html.Div(
                [
                    card(
                        "Your drawing",
                        board,
                        note="White ink on black, like MNIST. The answer updates after every "
                        "stroke.",
                        class_name="draw-area-canvas",
                    ),
                    card(
                        "The model reads",
                        answer,
                        note="Its confidence in each digit; below 50% it says it is not sure.",
                        class_name="draw-area-reading",
                    ),
                    card("Digit or number, pen, photo", options, class_name="draw-area-options"),
                    html.Div(
                        [
                            card(
                                "What the model sees",
                                html.Div(input_tiles([]), id=ids.DRAW_INPUT),
                                note="The 28 × 28 input after preprocessing: cropped, scaled to 20 "
                                "px and centred like MNIST.",
                            ),
                            card(
                                "Where it looks",
                                dcc.Dropdown(
                                    id=ids.DRAW_METHOD,
                                    value=DEFAULT_METHOD,
                                    clearable=False,
                                    searchable=False,
                                    options=[
                                        {"label": m.label, "value": name}
                                        for name, m in METHODS.items()
                                    ],
                                    className="method-select",
                                ),
                                dcc.Graph(
                                    id=ids.DRAW_SALIENCY,
                                    figure=fig_message(EMPTY_HEATMAP, height=SALIENCY_HEIGHT),
                                    config=GRAPH_CONFIG,
                                ),
                                note="The saliency of the drawing for the digit read: red pixels "
                                "raise its score, "
                                "blue ones lower it.",
                            ),
                        ],
                        className="draw-area-more",
                    ),
                ],
                className="draw-grid",
            ),
            whatif_card(),
        ]
    )


clientside_callback(
    "(width) => width", Output(ids.DRAW_CANVAS, "lineWidth"), Input(ids.DRAW_BRUSH, "value")
)
register_callbacks()  # the what-if card (dashboard/drawing/whatif.py)


def source_after(trigger: object, source: str | None) -> str:
    """What the reading is about once `trigger` fired: a stroke means the canvas, and so on."""
    return {ids.DRAW_CLEAR: "empty", ids.DRAW_UPLOAD: "upload", ids.DRAW_CANVAS: "canvas"}.get(
        trigger, source or "empty"
    )


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
    captions = ["not a digit" if c.refused else f"{c.digit} · {c.confidence:.0%}" for c in reading]
    return fig_upload(image, boxes, captions, [c.refused for c in reading], title=name[:80])


def refused_outputs(error: ValueError, source: str, background, dropped_upload) -> tuple:
    """The outputs when the drawing or upload cannot be read: the message, and no reading left from
    before."""
    text = "Cannot read the upload" if source == "upload" else "Cannot read the drawing"
    sentence = f"{str(error)[:1].upper()}{str(error)[1:]}."
    view = fig_message(sentence) if source == "upload" else no_update
    return (
        text,
        sentence,
        reading_bars([]),
        input_tiles([]),
        "empty",
        background,
        dropped_upload,
        [],
        view,
        BOARD_CLASS[source if source in BOARD_CLASS else "empty"],
    )


@callback(
    Output(ids.DRAW_PREDICTION, "children"),
    Output(ids.DRAW_MESSAGE, "children"),
    Output(ids.DRAW_BARS, "children"),
    Output(ids.DRAW_INPUT, "children"),
    Output(ids.DRAW_SOURCE, "data"),
    Output(ids.DRAW_CANVAS, "image_content"),
    Output(ids.DRAW_UPLOAD, "contents"),
    Output(ids.DRAW_READ, "data"),
    Output(ids.DRAW_UPLOAD_VIEW, "figure"),
    Output(ids.DRAW_BOARD, "className"),
    Input(ids.DRAW_CANVAS, "trigger"),
    Input(ids.DRAW_UPLOAD, "contents"),
    Input(ids.DRAW_CLEAR, "n_clicks"),
    Input(ids.DRAW_MODE, "value"),
    Input(ids.RUN_SELECT, "value"),
    State(ids.DRAW_CANVAS, "json_data"),
    State(ids.DRAW_SOURCE, "data"),
    State(ids.DRAW_CANVAS, "image_content"),
    Input(ids.PROBABILITY_SCALE, "value"),
    State(ids.DRAW_UPLOAD, "filename"),
    prevent_initial_call=True,
)
def show_reading(
    _trigger,
    contents,
    _clear,
    mode,
    run_name,
    json_data,
    source,
    background,
    scale="calibrated",
    filename=None,
):
    """Read the drawing or upload and show the answer; a stroke drops the upload, an upload or Clear
    clears the canvas.

    "Not sure" is judged on calibrated confidence; the bars show raw or calibrated probabilities as
    `scale` says.
    Marks that are not digits are refused (the best guess greyed). It always writes `DRAW_READ`,
    which then
    updates the heatmap (after the answer is shown).
    """
    check_clicks(_trigger, "trigger"), check_clicks(_clear)
    mode, run_name = check_choice(mode, "mode", list(MODES)), check_run(run_name)
    source = check_choice(source, "source", [None, "empty", "canvas", "upload"])
    background = check_text(background, "background", max_length=MAX_BODY_BYTES)
    trigger = ctx.triggered_id
    if trigger == ids.DRAW_UPLOAD and contents is None:
        raise PreventUpdate
    source = source_after(trigger, source)
    other_background = BACKGROUNDS[1] if background == BACKGROUNDS[0] else BACKGROUNDS[0]
    background = other_background if trigger in (ids.DRAW_CLEAR, ids.DRAW_UPLOAD) else no_update
    dropped_upload = None if source != "upload" and contents is not None else no_update
    try:
        image = drawing(source, json_data, contents)
    except ValueError as error:
        return refused_outputs(error, source, background, dropped_upload)
    raw = [] if image is None else current().read_image(run_name, image, number=mode == "number")
    reading = current().calibrated_reading(run_name, raw)
    message = (
        reading_message(reading)
        if reading or image is None
        else "No digit found: the image holds almost no ink."
    )
    text = prediction_view(reading, empty="No digit found" if source == "upload" else EMPTY_TEXT)
    view = upload_view(image, reading, filename) if source == "upload" else no_update
    return (
        text,
        message,
        reading_bars(
            raw if scale == "raw" else reading,
            described=current().described(run_name, calibrated=scale != "raw"),
        ),
        input_tiles(reading),
        source,
        background,
        dropped_upload,
        stored_reading(reading),
        view,
        BOARD_CLASS[source],
    )


@callback(
    Output(ids.DRAW_SALIENCY, "figure"),
    Input(ids.DRAW_READ, "data"),
    Input(ids.DRAW_METHOD, "value"),
    State(ids.RUN_SELECT, "value"),
    prevent_initial_call=True,
)
def show_heatmap(read, method, run_name):
    """The saliency of each digit the reading found, for the digit the model read."""
    method, run_name = check_choice(method, "method", list(METHODS)), check_run(run_name)
    try:
        digits = read_store(read)
    except ValueError as error:
        return fig_message(str(error), height=SALIENCY_HEIGHT)
    if not digits:
        return fig_message(EMPTY_HEATMAP, height=SALIENCY_HEIGHT)
    try:
        explainer = current().explainer(run_name)
        heatmaps = [
            normalize_heatmap(
                explainer.explain(d.input, method, d.digit), signed=METHODS[method].signed
            )
            for d in digits
        ]
    except ValueError as error:
        return fig_message(str(error), height=SALIENCY_HEIGHT)
    return fig_saliency(
        [d.input for d in digits],
        heatmaps,
        [f"{d.digit} · {d.confidence:.0%}" for d in digits],
        columns=6,
    )
