"""The Draw page's what-if card: rotate, scale, shift, thicken or thin the drawing and watch the
reading.

The sliders act on the model's 28x28 input of the first digit read (`DRAW_READ`). While a slider
is dragged the reading of the changed drawing follows it (`drag_value`); when it is let go, the
chart of each digit's probability across every slider's whole range is redrawn (one batch of
19 values per slider, the other sliders held). This module also copies the last drawing into the
shell's session store `SHELL_DRAWING`, so that /network and /adversarial can look inside it.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import GRAPH_CONFIG, card, tile
from dashboard.drawing.reading import confidence_bars, read_store, to_uint8
from dashboard.figures.theme import fig_message
from dashboard.figures.whatif import fig_sweep
from dashboard.service import current
from dashboard.validation import check_choice
from model.insight.whatif import IDENTITY, SETTINGS

EMPTY = "Draw a digit to try what changes its reading."
SWEEP_HEIGHT = 300
SLIDER_IDS = {"type": ids.DRAW_WHATIF, "setting": ALL}


def _slider(name: str) -> html.Label:
    spec = SETTINGS[name]
    marks = {
        spec.low: f"{spec.low:g}{spec.unit}",
        spec.identity: f"{spec.identity:g}",
        spec.high: f"{spec.high:g}{spec.unit}",
    }
    return html.Label(
        [
            spec.label,
            dcc.Slider(
                id={"type": ids.DRAW_WHATIF, "setting": name},
                min=spec.low,
                max=spec.high,
                step=spec.step,
                value=spec.identity,
                marks={float(k): v for k, v in marks.items()},
                updatemode="mouseup",
                tooltip={"placement": "bottom"},
            ),
        ],
        className=f"slider-label whatif-{name}",
    )


def whatif_card() -> html.Section:
    """The card: sliders and Reset, the changed input and its reading, the sweep chart."""
    return card(
        "What if…",
        html.Div(
            [
                html.Div(
                    [
                        *(_slider(name) for name in SETTINGS),
                        html.Button(
                            "Reset", id=ids.DRAW_WHATIF_RESET, n_clicks=0, className="button"
                        ),
                    ],
                    className="whatif-sliders",
                ),
                html.Div(
                    html.P(EMPTY, className="note"),
                    id=ids.DRAW_WHATIF_READING,
                    className="whatif-reading",
                    **{"aria-live": "polite"},
                ),
            ],
            className="whatif",
        ),
        dcc.Graph(
            id=ids.DRAW_WHATIF_SWEEP,
            figure=fig_message(EMPTY, height=SWEEP_HEIGHT),
            config=GRAPH_CONFIG,
        ),
        note="Change the drawing the model reads (its 28 × 28 input) and watch the answer. The "
        "chart shows each "
        "digit's probability across every slider's whole range, the other sliders held where they "
        "are.",
        class_name="whatif-card",
    )


def settings_of(values: list, slider_ids: list[dict]) -> dict[str, float]:
    """The sliders' values by setting; ones not set yet are left at identity."""
    pairs = zip(values or [], slider_ids or [], strict=False)
    return {
        item.get("setting"): value
        for value, item in pairs
        if value is not None and isinstance(item, dict)
    }


def keep_drawing(read):
    """The first digit of the last reading, for the other pages; an empty reading keeps the last
    drawing."""
    if not read or not isinstance(read, list):
        raise PreventUpdate
    return read[:1]


def reset(_clicks, slider_ids: list[dict]) -> list[float]:
    """Every slider back to the value that changes nothing."""
    return [IDENTITY[item["setting"]] for item in slider_ids]


def _calibrated(scale: object) -> bool:
    """Whether the shell's Probabilities switch asks for calibrated probabilities."""
    return check_choice(scale, "probabilities", ["calibrated", "raw"]) == "calibrated"


def show_reading(
    read,
    dragged: list,
    values: list,
    run_name: str,
    slider_ids: list[dict],
    scale: str = "calibrated",
):
    """The changed input and the model's reading of it, following the sliders as they move (and
    Reset); raw or
    calibrated probabilities as the shell's switch says, like the Draw page's own reading."""
    moving = any(prop.endswith(".drag_value") for prop in ctx.triggered_prop_ids)
    try:
        digits = read_store(read)
        if not digits:
            return html.P(EMPTY, className="note")
        settings = settings_of(dragged if moving else values, slider_ids)
        changed, answer = current().what_if(
            run_name, digits[0].input, settings, calibrated=_calibrated(scale)
        )
    except ValueError as error:
        return html.P(str(error), className="note")
    probabilities = answer.probabilities
    best = int(probabilities.argmax())
    return [
        tile(to_uint8(changed), [f"reads {best}", f"{probabilities[best]:.1%}"]),
        confidence_bars(probabilities, title=f"probabilities: {answer.description}"),
    ]


def show_sweep(
    read, values: list, run_name: str, slider_ids: list[dict], scale: str = "calibrated"
):
    """Each digit's probability across every slider's range, the others held, as one batch."""
    try:
        digits = read_store(read)
        if not digits:
            return fig_message(EMPTY, height=SWEEP_HEIGHT)
        settings = settings_of(values, slider_ids)
        swept, probabilities = current().what_if_sweep(
            run_name, digits[0].input, settings, calibrated=_calibrated(scale)
        )
    except ValueError as error:
        return fig_message(str(error), height=SWEEP_HEIGHT)
    held = {**IDENTITY, **settings}
    described = current().described(run_name, calibrated=_calibrated(scale))
    labels = {name: spec.label for name, spec in SETTINGS.items()}
    return fig_sweep(swept, probabilities, labels, held, described=f"probabilities: {described}")


def register_callbacks() -> None:
    """Register the card's callbacks; the Draw page calls this, so that every app built gets them
    (Dash runs a page
    module once per app, but imports this module once per process)."""
    callback(
        Output(ids.SHELL_DRAWING, "data"), Input(ids.DRAW_READ, "data"), prevent_initial_call=True
    )(keep_drawing)
    callback(
        Output(SLIDER_IDS, "value"),
        Input(ids.DRAW_WHATIF_RESET, "n_clicks"),
        State(SLIDER_IDS, "id"),
        prevent_initial_call=True,
    )(reset)
    callback(
        Output(ids.DRAW_WHATIF_READING, "children"),
        Input(ids.DRAW_READ, "data"),
        Input(SLIDER_IDS, "drag_value"),
        Input(SLIDER_IDS, "value"),
        Input(ids.RUN_SELECT, "value"),
        State(SLIDER_IDS, "id"),
        Input(ids.PROBABILITY_SCALE, "value"),
        prevent_initial_call=True,
    )(show_reading)
    callback(
        Output(ids.DRAW_WHATIF_SWEEP, "figure"),
        Input(ids.DRAW_READ, "data"),
        Input(SLIDER_IDS, "value"),
        Input(ids.RUN_SELECT, "value"),
        State(SLIDER_IDS, "id"),
        Input(ids.PROBABILITY_SCALE, "value"),
        prevent_initial_call=True,
    )(show_sweep)
