"""Draw page: draw a digit or a number (or upload a photo of one) and watch the model read it.

dash-canvas posts its strokes when its Save button is clicked; assets/draw.js clicks it after
every stroke, so each stroke bumps the canvas's `trigger` and the reading updates by itself.
Two requests per stroke: the reading (`dashboard.drawing.stroke`: the image read once, the reading
kept on the server under an id, the answer, bars and inputs in the response), then the heatmap and
the what-if card of that reading, fetched by id (`show_views`). The answer is not kept waiting
for the saliency (integrated gradients take longer than the reading itself). The stores hold ids
only: `DRAW_SOURCE` ("empty", "canvas" or "upload": what the reading is about), `DRAW_READ` (the
reading's id, which the views, the heatmap's method and the what-if sliders fetch) and the
shell's `SHELL_DRAWING` (the last drawing's id, for /network and /adversarial, copied in the
browser).
"""

from __future__ import annotations

import dash
import dash_canvas
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import GRAPH_CONFIG, card
from dashboard.drawing import canvas, stroke
from dashboard.drawing.heatmap import (
    DEFAULT_METHOD,
    EMPTY_HEATMAP,
    SALIENCY_HEIGHT,
    heatmap_figure,
)
from dashboard.drawing.kept import kept_digits
from dashboard.drawing.reading import EMPTY_TEXT, input_tiles, reading_bars
from dashboard.drawing.slots import BusyError, reading_slot
from dashboard.drawing.stroke import BACKGROUNDS, BOARD_CLASS
from dashboard.drawing.upload import MAX_BODY_BYTES, MAX_BYTES, megabytes
from dashboard.drawing.whatif import (
    SLIDER_IDS,
    register_callbacks,
    whatif_card,
    whatif_message,
    whatif_views,
)
from dashboard.figures.theme import fig_message
from dashboard.validation import check_choice, check_clicks, check_run, check_text
from model.insight.saliency import METHODS

dash.register_page(__name__, path="/draw", name="Draw", title="Draw · MNIST Explorer", order=50)

BRUSH = {"min": 8, "max": 40, "value": 20}  # pen width in canvas pixels; MNIST-like strokes are ~20
MODES = {"digit": "One digit", "number": "A number (several digits)"}
HIDDEN_BUTTONS = ["zoom", "pan", "line", "pencil", "rectangle", "undo", "select"]


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


def _options() -> html.Div:
    """Digit or number, the pen's width, and the upload."""
    upload = dcc.Upload(
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
    )
    pen = dcc.Slider(
        id=ids.DRAW_BRUSH, step=2, marks=None, tooltip={"placement": "bottom"}, **BRUSH
    )
    return html.Div(
        [
            dcc.RadioItems(
                id=ids.DRAW_MODE,
                options=[{"label": v, "value": k} for k, v in MODES.items()],
                value="digit",
                inline=True,
                className="radio",
            ),
            html.Label(["Pen width", pen], className="slider-label"),
            html.Div(
                upload,
                className="draw-upload",
                **{"data-max-bytes": str(MAX_BYTES), "data-message-id": ids.DRAW_MESSAGE},
            ),
        ],
        className="draw-options",
    )


def _answer() -> html.Div:
    """The model's answer, the message under it and its confidence bars."""
    return html.Div(
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


def _where_it_looks() -> html.Section:
    """The heatmap card: the saliency method and the figure."""
    return card(
        "Where it looks",
        dcc.Dropdown(
            id=ids.DRAW_METHOD,
            value=DEFAULT_METHOD,
            clearable=False,
            searchable=False,
            options=[{"label": m.label, "value": name} for name, m in METHODS.items()],
            className="method-select",
        ),
        dcc.Graph(
            id=ids.DRAW_SALIENCY,
            figure=fig_message(EMPTY_HEATMAP, height=SALIENCY_HEIGHT),
            config=GRAPH_CONFIG,
        ),
        note="The saliency of the drawing for the digit read: red pixels raise its score, blue "
        "ones lower it.",
    )


def layout(**_query) -> html.Div:
    """The Draw page: the canvas and its controls, the model's answer, what it sees and where it
    looks."""
    sees = card(
        "What the model sees",
        html.Div(input_tiles([]), id=ids.DRAW_INPUT),
        note="The 28 × 28 input after preprocessing: cropped, scaled to 20 px and centred like "
        "MNIST.",
    )
    grid = [
        card(
            "Your drawing",
            _board(),
            note="White ink on black, like MNIST. The answer updates after every stroke.",
            class_name="draw-area-canvas",
        ),
        card(
            "The model reads",
            _answer(),
            note="Its confidence in each digit; below 50% it says it is not sure.",
            class_name="draw-area-reading",
        ),
        card("Digit or number, pen, photo", _options(), class_name="draw-area-options"),
        html.Div([sees, _where_it_looks()], className="draw-area-more"),
    ]
    return html.Div(
        [
            html.H1("Draw"),
            dcc.Store(id=ids.DRAW_SOURCE, data="empty"),
            dcc.Store(id=ids.DRAW_READ, data=None),
            html.Div(grid, className="draw-grid"),
            whatif_card(),
        ]
    )


clientside_callback(
    "(width) => width", Output(ids.DRAW_CANVAS, "lineWidth"), Input(ids.DRAW_BRUSH, "value")
)
register_callbacks()  # the what-if card's sliders (dashboard/drawing/whatif.py)
# The last drawing's id, for /network and /adversarial; an empty reading keeps the last drawing.
clientside_callback(
    "(read) => read || window.dash_clientside.no_update",
    Output(ids.SHELL_DRAWING, "data"),
    Input(ids.DRAW_READ, "data"),
    prevent_initial_call=True,
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
    State(ids.SHELL_DRAWING, "data"),
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
    last_drawing=None,
):
    """Read the drawing or upload once, keep the reading and show the answer; a stroke drops the
    upload, an upload or Clear clears the canvas.

    The answer, its "not sure" and the bars use raw or calibrated probabilities as `scale` says,
    like every page. Marks that are not digits are refused (the best guess greyed).
    """
    check_clicks(_trigger, "trigger"), check_clicks(_clear)
    mode, run_name = check_choice(mode, "mode", list(MODES)), check_run(run_name)
    source = check_choice(source, "source", [None, "empty", "canvas", "upload"])
    background = check_text(background, "background", max_length=MAX_BODY_BYTES)
    if ctx.triggered_id == ids.DRAW_UPLOAD and contents is None:
        raise PreventUpdate
    board = stroke.board_after(ctx.triggered_id, source, background, contents)
    options = stroke.Options(run_name, mode == "number", scale, filename, last_drawing)
    try:
        with reading_slot():
            try:
                image = stroke.drawing(board.source, json_data, contents)
            except ValueError as error:
                return stroke.refused_outputs(error, board)
            return stroke.read_outputs(image, board, options)
    except BusyError as error:
        return stroke.refused_outputs(error, board)


@callback(
    Output(ids.DRAW_SALIENCY, "figure"),
    Output(ids.DRAW_WHATIF_READING, "children"),
    Output(ids.DRAW_WHATIF_SWEEP, "figure"),
    Input(ids.DRAW_READ, "data"),
    State(ids.RUN_SELECT, "value"),
    State(ids.PROBABILITY_SCALE, "value"),
    State(ids.DRAW_METHOD, "value"),
    State(SLIDER_IDS, "value"),
    State(SLIDER_IDS, "id"),
    prevent_initial_call=True,
)
def show_views(
    read_id, run_name, scale="calibrated", method=DEFAULT_METHOD, values=None, slider_ids=None
):
    """The heatmap and the what-if card of a new reading, fetched by id: the stroke's second
    request, once the answer is shown."""
    run_name = check_run(run_name)
    method = DEFAULT_METHOD if method is None else check_choice(method, "method", list(METHODS))
    try:
        digits = kept_digits(read_id)
    except ValueError as error:
        return (fig_message(str(error), height=SALIENCY_HEIGHT), *whatif_message(str(error)))
    return (
        heatmap_figure(run_name, digits, method),
        *whatif_views(run_name, digits, values, slider_ids, scale),
    )


@callback(
    Output(ids.DRAW_SALIENCY, "figure", allow_duplicate=True),
    State(ids.DRAW_READ, "data"),
    Input(ids.DRAW_METHOD, "value"),
    State(ids.RUN_SELECT, "value"),
    prevent_initial_call=True,
)
def show_heatmap(read_id, method, run_name):
    """The heatmap by another method: the saliency of each digit of reading `read_id`."""
    method, run_name = check_choice(method, "method", list(METHODS)), check_run(run_name)
    try:
        digits = kept_digits(read_id)
    except ValueError as error:
        return fig_message(str(error), height=SALIENCY_HEIGHT)
    return heatmap_figure(run_name, digits, method)
