"""The Draw page's what-if card: rotate, scale, shift, thicken or thin the drawing and watch the
reading.

The sliders act on the model's 28x28 input of the first digit read, kept on the server under the
id in `DRAW_READ` (`dashboard.drawing.kept`). A new reading brings the card's reading and chart
with the Draw page's heatmap, in one request (`whatif_views`); the sliders' own callbacks fetch the
reading by id too. While a slider is dragged the reading of the changed drawing follows it
(`drag_value`); when it is let go, the chart of each digit's probability across every slider's
whole range is redrawn (one batch of 19 values per slider, the other sliders held).
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboard import ids
from dashboard.components import GRAPH_CONFIG, card, tile
from dashboard.drawing.kept import KeptDigit, kept_digits
from dashboard.drawing.reading import confidence_bars, to_uint8
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


def reset(_clicks, slider_ids: list[dict]) -> list[float]:
    """Every slider back to the value that changes nothing."""
    return [IDENTITY[item["setting"]] for item in slider_ids]


def _calibrated(scale: object) -> bool:
    """Whether the shell's Probabilities switch asks for calibrated probabilities."""
    return check_choice(scale, "probabilities", ["calibrated", "raw"]) == "calibrated"


def reading_view(
    run_name: str, digits: Sequence[KeptDigit], settings: dict, scale: object
) -> html.P | list:
    """The first digit's input changed by `settings` and the model's reading of it; raw or
    calibrated probabilities as the shell's switch says, like the Draw page's own reading."""
    if not digits:
        return html.P(EMPTY, className="note")
    try:
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


def sweep_view(run_name: str, digits: Sequence[KeptDigit], settings: dict, scale: object):
    """Each digit's probability across every slider's range, the others held, as one batch."""
    if not digits:
        return fig_message(EMPTY, height=SWEEP_HEIGHT)
    try:
        swept, probabilities = current().what_if_sweep(
            run_name, digits[0].input, settings, calibrated=_calibrated(scale)
        )
    except ValueError as error:
        return fig_message(str(error), height=SWEEP_HEIGHT)
    held = {**IDENTITY, **settings}
    described = current().described(run_name, calibrated=_calibrated(scale))
    labels = {name: spec.label for name, spec in SETTINGS.items()}
    return fig_sweep(swept, probabilities, labels, held, described=f"probabilities: {described}")


def whatif_message(message: str) -> tuple:
    """The card's reading and chart replaced by `message` (a reading that is no longer kept)."""
    return html.P(message, className="note"), fig_message(message, height=SWEEP_HEIGHT)


def whatif_views(
    run_name: str, digits: Sequence[KeptDigit], values: list, slider_ids: list[dict], scale: object
) -> tuple:
    """The card's reading and chart for a new reading `digits`, the sliders where they are."""
    settings = settings_of(values, slider_ids)
    return (
        reading_view(run_name, digits, settings, scale),
        sweep_view(run_name, digits, settings, scale),
    )


def show_reading(
    read_id,
    dragged: list,
    values: list,
    run_name: str,
    slider_ids: list[dict],
    scale: str = "calibrated",
):
    """The reading `read_id` changed by the sliders as they move (and Reset)."""
    moving = any(prop.endswith(".drag_value") for prop in ctx.triggered_prop_ids)
    try:
        digits = kept_digits(read_id)
    except ValueError as error:
        return html.P(str(error), className="note")
    return reading_view(
        run_name, digits, settings_of(dragged if moving else values, slider_ids), scale
    )


def show_sweep(
    read_id, values: list, run_name: str, slider_ids: list[dict], scale: str = "calibrated"
):
    """The chart of reading `read_id` once a slider is let go (or Reset)."""
    try:
        digits = kept_digits(read_id)
    except ValueError as error:
        return fig_message(str(error), height=SWEEP_HEIGHT)
    return sweep_view(run_name, digits, settings_of(values, slider_ids), scale)


def register_callbacks() -> None:
    """Register the card's callbacks; the Draw page calls this, so that every app built gets them
    (Dash runs a page module once per app, but imports this module once per process). A new
    reading updates the card through the Draw page's `show_views`; these follow the sliders."""
    callback(
        Output(SLIDER_IDS, "value"),
        Input(ids.DRAW_WHATIF_RESET, "n_clicks"),
        State(SLIDER_IDS, "id"),
        prevent_initial_call=True,
    )(reset)
    callback(
        Output(ids.DRAW_WHATIF_READING, "children", allow_duplicate=True),
        State(ids.DRAW_READ, "data"),
        Input(SLIDER_IDS, "drag_value"),
        Input(SLIDER_IDS, "value"),
        State(ids.RUN_SELECT, "value"),
        State(SLIDER_IDS, "id"),
        State(ids.PROBABILITY_SCALE, "value"),
        prevent_initial_call=True,
    )(show_reading)
    callback(
        Output(ids.DRAW_WHATIF_SWEEP, "figure", allow_duplicate=True),
        State(ids.DRAW_READ, "data"),
        Input(SLIDER_IDS, "value"),
        State(ids.RUN_SELECT, "value"),
        State(SLIDER_IDS, "id"),
        State(ids.PROBABILITY_SCALE, "value"),
        prevent_initial_call=True,
    )(show_sweep)
