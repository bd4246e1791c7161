"""Saliency page: which pixels of a test image the selected model's answer rests on, by five
methods.

Choose the image by number (also `/saliency?index=N`, as the Errors page links), or by class with
Random and Next; one method or all side by side; the class explained (the predicted one by
default) and the methods' settings.
"""

from __future__ import annotations

import time

import dash
import numpy as np
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import card, graph, query_notice
from dashboard.figures.images import fig_probabilities, png_data_url
from dashboard.figures.saliency import fig_saliency
from dashboard.figures.theme import fig_message
from dashboard.query import messages, query_choice, query_int
from dashboard.service import current
from dashboard.validation import (
    check_choice,
    check_clicks,
    check_dict,
    check_list,
    check_number,
    check_run,
    check_text,
    fail,
)
from model import config
from model.core.answer import Answer
from model.core.mnist import pixels
from model.insight.saliency import METHODS, normalize_heatmap

dash.register_page(
    __name__, path="/saliency", name="Saliency", title="Saliency · MNIST Explorer", order=40
)

ALL_METHODS = "all"
PREDICTED = "predicted"
ANY_CLASS = "any"
# The settings offered as sliders: every setting of a method that gives a slider range
# (model/insight/saliency/methods.py).
SLIDERS = [
    (name, key)
    for name, method in METHODS.items()
    for key, setting in method.settings.items()
    if setting.slider
]


def _slider(method: str, name: str) -> html.Label:
    setting = METHODS[method].settings[name]
    low, high, step = setting.slider
    return html.Label(
        [
            f"{METHODS[method].label}: {setting.label.lower()}",
            dcc.Slider(
                id={"type": ids.SALIENCY_SETTING, "method": method, "name": name},
                min=low,
                max=high,
                step=step,
                value=setting.default,
                marks=None,
                tooltip={"placement": "bottom", "always_visible": True},
            ),
        ]
    )


def _digit_dropdown(title: str, component_id: str, value: object, options: list) -> html.Label:
    return html.Label(
        [
            title,
            dcc.Dropdown(
                id=component_id,
                value=value,
                clearable=False,
                searchable=False,
                options=options,
                className="digit-select",
            ),
        ]
    )


def _controls(index: int | None, count: int) -> html.Div:
    """The test image's number, the class and mistakes filters, Random / Next, the class to
    explain."""
    digits = [{"label": str(d), "value": d} for d in range(config.NUM_CLASSES)]
    number = dcc.Input(
        id=ids.SALIENCY_INDEX,
        type="number",
        min=0,
        max=count - 1,
        step=1,
        value=index,
        debounce=True,
    )
    return html.Div(
        [
            html.Label(["Test image #", number]),
            _digit_dropdown(
                "Class",
                ids.SALIENCY_CLASS,
                ANY_CLASS,
                [{"label": "any digit", "value": ANY_CLASS}] + digits,
            ),
            dcc.Checklist(
                id=ids.SALIENCY_MISTAKES,
                options=[{"label": " only mistakes", "value": "mistakes"}],
                value=[],
                className="checkbox",
            ),
            html.Button("Random", id=ids.SALIENCY_RANDOM, n_clicks=0, className="button"),
            html.Button("Next →", id=ids.SALIENCY_NEXT, n_clicks=0, className="button"),
            _digit_dropdown(
                "Explain class",
                ids.SALIENCY_TARGET,
                PREDICTED,
                [{"label": "the predicted one", "value": PREDICTED}] + digits,
            ),
        ],
        className="saliency-controls",
    )


def layout(index: str | None = None, method: str | None = None, **_query) -> html.Div:
    """The Saliency page, opened on test image `index` with `method` (query parameters; bad ones get
    a message)."""
    count = len(current().mnist.y_test)
    asked_index = query_int(
        index, "index", low=0, high=count - 1, fallback=0 if index is None else None
    )
    asked_method = query_choice(method, "method", [*METHODS, ALL_METHODS], fallback=ALL_METHODS)
    methods = [{"label": m.label, "value": name} for name, m in METHODS.items()]
    return html.Div(
        [
            html.H1("Saliency"),
            query_notice(messages(asked_index, asked_method)),
            card(
                "Choose an image and a method",
                _controls(asked_index.value, count),
                dcc.RadioItems(
                    id=ids.SALIENCY_METHOD,
                    value=asked_method.value,
                    inline=True,
                    className="radio saliency-method",
                    options=methods + [{"label": "all side by side", "value": ALL_METHODS}],
                ),
                html.Div([_slider(method, name) for method, name in SLIDERS], className="settings"),
                note="Pick a test image by number, or a class and Random / Next; then the method, "
                "the class to explain "
                "and the methods' settings.",
            ),
            card(
                "Where the model looks",
                html.Div(id=ids.SALIENCY_CAPTION, className="saliency-caption"),
                html.Div(
                    graph(ids.SALIENCY_HEATMAP, className="small-multiples"), className="scroll-x"
                ),
                note="Each heatmap over the digit: red pixels raise the class's score, blue ones "
                "lower it (Integrated "
                "Gradients and occlusion are signed; the others show magnitude only). Scaled per "
                "map.",
            ),
            card(
                "The model's probabilities for this image",
                graph(ids.SALIENCY_PROBABILITIES),
                note="The run's answer (with its test-time augmentation if it uses one), raw or "
                "calibrated as the Probabilities switch says; the heatmaps explain the bare model.",
            ),
        ]
    )


# The image and the method go into the URL (`?index=&method=`), so that the address is a link to
# this view.
clientside_callback(
    "(index, method) => window.mnistQuery({index: Number.isInteger(index) ? index : null, method: "
    "method})",
    Input(ids.SALIENCY_INDEX, "value"),
    Input(ids.SALIENCY_METHOD, "value"),
)


def candidates(run_name: str, digit: object, mistakes: list) -> np.ndarray:
    """Test indices of class `digit` (any when "any"), only the selected model's mistakes if
    asked."""
    predictions = current().predictions(run_name)
    keep = np.ones(len(predictions.labels), bool)
    if digit != ANY_CLASS:
        keep &= predictions.labels == int(digit)
    if mistakes:
        keep &= predictions.labels != predictions.predicted
    return np.flatnonzero(keep)


@callback(
    Output(ids.SALIENCY_INDEX, "value"),
    Input(ids.SALIENCY_RANDOM, "n_clicks"),
    Input(ids.SALIENCY_NEXT, "n_clicks"),
    Input(ids.SALIENCY_CLASS, "value"),
    Input(ids.SALIENCY_MISTAKES, "value"),
    State(ids.SALIENCY_INDEX, "value"),
    State(ids.RUN_SELECT, "value"),
    prevent_initial_call=True,
)
def pick_image(random_clicks: int, _next, digit, mistakes, index, run_name: str) -> int:
    """A random image of the chosen kind (a new one each click), or the next one after the current
    image."""
    random_clicks, _next, run_name = (
        check_clicks(random_clicks),
        check_clicks(_next),
        check_run(run_name),
    )
    digit = check_choice(digit, "class", [ANY_CLASS, *range(config.NUM_CLASSES)])
    mistakes = check_list(
        mistakes, "only mistakes", lambda value, where: check_choice(value, where, ["mistakes"])
    )
    choices = candidates(run_name, digit, mistakes)
    if len(choices) == 0:
        raise PreventUpdate
    if ctx.triggered_id == ids.SALIENCY_RANDOM:
        return int(np.random.default_rng(random_clicks).choice(choices))
    current_index = index if isinstance(index, int) else -1
    after = current_index + 1 if ctx.triggered_id == ids.SALIENCY_NEXT else current_index
    position = np.searchsorted(choices, after)
    return int(choices[position % len(choices)])


def _setting_value(value: object, name: str) -> object:
    """A slider's value as sent: a number (or short text, which the method refuses with a message),
    unchanged."""
    if value is None or isinstance(value, str):
        return check_text(value, name, max_length=64)
    check_number(value, name, -1e6, 1e6)
    return value


def method_settings(values: list, setting_ids: list[dict]) -> dict[str, dict]:
    """The sliders' values by method and setting (each method checks its own settings)."""
    settings: dict[str, dict] = {}
    for value, setting_id in zip(values, setting_ids, strict=False):
        if value is not None:
            settings.setdefault(setting_id["method"], {})[setting_id["name"]] = value
    return settings


def image_caption(index: int, label: int, answer: Answer, run_name: str, note: str) -> list:
    """The test image small, its number and label, the model's answer (right or wrong, and what
    its probability is), and `note`."""
    probabilities = answer.probabilities
    predicted = int(probabilities.argmax())
    verdict = "right" if predicted == label else "wrong"
    return [
        html.Img(src=png_data_url(current().mnist.x_test[index]), alt=f"test image {index}"),
        html.Div(
            [
                html.P(
                    [
                        html.Strong(f"Test image #{index}"),
                        f" · label {label} · {run_name} predicts {predicted} "
                        f"({probabilities[predicted]:.1%}), ",
                        html.Span(verdict, className=verdict),
                        f" · probabilities {answer.description}",
                    ]
                ),
                html.P(note, className="note"),
            ]
        ),
    ]


@callback(
    Output(ids.SALIENCY_CAPTION, "children"),
    Output(ids.SALIENCY_HEATMAP, "figure"),
    Output(ids.SALIENCY_PROBABILITIES, "figure"),
    Input(ids.SALIENCY_INDEX, "value"),
    Input(ids.SALIENCY_METHOD, "value"),
    Input(ids.SALIENCY_TARGET, "value"),
    Input({"type": ids.SALIENCY_SETTING, "method": ALL, "name": ALL}, "value"),
    Input(ids.RUN_SELECT, "value"),
    State({"type": ids.SALIENCY_SETTING, "method": ALL, "name": ALL}, "id"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def explain_image(
    index,
    method: str,
    target,
    values: list,
    run_name: str,
    setting_ids: list[dict],
    scale: str = "calibrated",
):
    """The heatmaps of test image `index` by `method` (or all methods) for `target`, and its
    probabilities (the run's answer, as the Probabilities switch says)."""
    method, target, settings, run_name = _checked(method, target, values, setting_ids, run_name)
    service = current()
    count = len(service.mnist.y_test)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        message = f"Enter a test image number from 0 to {count - 1}."
        return message, fig_message(message), fig_message(message)
    image = pixels(service.mnist.x_test[index])
    label = int(service.mnist.y_test[index])
    answer = service.test_answer(run_name, index, calibrated=scale != "raw")
    probabilities = answer.probabilities
    title = f"true digit {label} ({answer.description})"
    explained = int(probabilities.argmax()) if target == PREDICTED else target
    try:
        start = time.perf_counter()
        methods, heatmaps = _heatmaps(run_name, image, method, explained, settings)
    except ValueError as error:
        return str(error), fig_message(str(error)), fig_probabilities(probabilities, label)
    note = (
        f"Explaining class {explained}: {len(methods)} heatmap{'s' if len(methods) > 1 else ''} in "
        f"{(time.perf_counter() - start) * 1000:.0f} ms."
        + ("" if len(methods) > 1 else f" {METHODS[method].description}")
    )
    caption = image_caption(index, label, answer, run_name, note)
    figure = fig_saliency(
        [image] * len(methods), heatmaps, [METHODS[name].label for name in methods]
    )
    return caption, figure, fig_probabilities(probabilities, label, title=title)


def _checked(method, target, values: list, setting_ids: list, run_name) -> tuple:
    """The saliency callback's inputs checked: (method, target, settings by method, run name)."""
    method = check_text(
        method, "method", max_length=64, optional=False
    )  # explain() says which methods exist
    if isinstance(target, (list, dict)) or isinstance(target, str) and len(target) > 64:
        raise fail(
            "class to explain", target, "a digit or 'predicted'"
        )  # explain() checks the rest
    values = check_list(values, "settings", _setting_value)
    setting_ids = check_list(
        setting_ids, "setting ids", lambda value, where: check_dict(value, where, optional=False)
    )
    return method, target, method_settings(values, setting_ids), check_run(run_name)


def _heatmaps(
    run_name: str, image: np.ndarray, method: str, explained, settings: dict
) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """The methods shown and the normalized heatmap of `image` by each, for class `explained`."""
    explainer = current().explainer(run_name)
    methods = explainer.methods if method == ALL_METHODS else (method,)
    heatmaps = [
        normalize_heatmap(
            explainer.explain(image, name, explained, **settings.get(name, {})),
            signed=METHODS[name].signed,
        )
        for name in methods
    ]
    return tuple(methods), heatmaps
