"""Adversarial page: how small a change fools the model, for a test image or your last drawing.

FGSM or PGD under an L-infinity budget ε (no pixel changes by more than ε): the smallest ε that
changes the model's answer (or makes it a chosen digit), found by a search over ε, with the
perturbation and the adversarial image beside the original; and the selected model's accuracy
against ε on 1,000 test images, read from a file computed once per model (`python -m model.insight`;
computed in the background for a model without one while the page polls).
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.components import card, graph
from dashboard.drawing.source import TEST, query_index, random_index, source_controls, source_image
from dashboard.figures.adversarial import fig_attack, fig_before_after, fig_robustness
from dashboard.figures.theme import fig_message
from dashboard.service import current
from dashboard.validation import check_choice, check_clicks, check_run
from model import config
from model.insight.adversarial import MAX_EPSILON, METHODS

dash.register_page(
    __name__,
    path="/adversarial",
    name="Adversarial",
    title="Adversarial · MNIST Explorer",
    order=47,
)

ANY = "any"
POLL_MS = 3000
COMPUTING = (
    "Computing this model's robustness curve on 1,000 test images (a few minutes, once per model; "
    "shipped models have theirs precomputed)…"
)


def layout(index: str | None = None, **_query) -> html.Div:
    """The Adversarial page, opened on test image `index` (a query parameter)."""
    targets = [{"label": "any other digit", "value": ANY}] + [
        {"label": f"make it read {d}", "value": d} for d in range(config.NUM_CLASSES)
    ]
    attack = html.Div(
        [
            dcc.RadioItems(
                id=ids.ADVERSARIAL_METHOD,
                options=[{"label": v, "value": k} for k, v in METHODS.items()],
                value="fgsm",
                inline=True,
                className="radio",
            ),
            html.Label(
                [
                    "Towards",
                    dcc.Dropdown(
                        id=ids.ADVERSARIAL_TARGET,
                        options=targets,
                        value=ANY,
                        clearable=False,
                        searchable=False,
                        className="target-select",
                    ),
                ]
            ),
        ],
        className="controls",
    )
    return html.Div(
        [
            html.H1("Adversarial examples"),
            card(
                "Choose an image and an attack",
                source_controls(
                    ids.ADVERSARIAL_SOURCE,
                    ids.ADVERSARIAL_INDEX,
                    ids.ADVERSARIAL_RANDOM,
                    index=query_index(index),
                ),
                attack,
                note="FGSM takes one step of size ε along the sign of the loss gradient; PGD takes "
                "ten smaller steps, "
                "staying within ε of the original in every pixel.",
            ),
            card(
                "The smallest change that fools the model",
                html.Div(
                    id=ids.ADVERSARIAL_CAPTION,
                    className="attack-caption",
                    **{"aria-live": "polite"},
                ),
                graph(ids.ADVERSARIAL_IMAGES),
                graph(ids.ADVERSARIAL_PROBABILITIES),
                note="The original, the change the attack adds (red: brighter, blue: darker) and "
                "the result.",
            ),
            card(
                "How the model holds up",
                graph(ids.ADVERSARIAL_CURVE),
                dcc.Interval(id=ids.ADVERSARIAL_POLL, interval=POLL_MS, disabled=True),
                note="Accuracy on the first 1,000 test images when each is attacked with budget ε: "
                "what a worst-case "
                "change of that size does to the model.",
            ),
        ]
    )


@callback(
    Output(ids.ADVERSARIAL_INDEX, "value"),
    Output(ids.ADVERSARIAL_SOURCE, "value"),
    Input(ids.ADVERSARIAL_RANDOM, "n_clicks"),
    prevent_initial_call=True,
)
def pick_image(clicks: int):
    """A random test image, another each click."""
    return random_index(check_clicks(clicks)), TEST


@callback(
    Output(ids.ADVERSARIAL_CAPTION, "children"),
    Output(ids.ADVERSARIAL_IMAGES, "figure"),
    Output(ids.ADVERSARIAL_PROBABILITIES, "figure"),
    Input(ids.ADVERSARIAL_SOURCE, "value"),
    Input(ids.ADVERSARIAL_INDEX, "value"),
    Input(ids.SHELL_DRAWING, "data"),
    Input(ids.ADVERSARIAL_METHOD, "value"),
    Input(ids.ADVERSARIAL_TARGET, "value"),
    Input(ids.RUN_SELECT, "value"),
)
def show_attack(source: str, index, drawing, method: str, target, run_name: str):
    """The smallest-ε adversarial example of the chosen image against run `run_name`'s model."""
    method, run_name = check_choice(method, "method", list(METHODS)), check_run(run_name)
    target = check_choice(target, "target digit", [ANY, *range(10)])
    service = current()
    try:
        chosen = source_image(source, index, drawing)
        before = service.predictor(run_name).predict(chosen.image)
        answer = int(before.argmax())
        goal = None if target == ANY else target
        if goal is not None and goal == answer:
            raise ValueError(f"The model already reads {answer}: choose another digit to aim for.")
        found = service.attack(run_name, chosen.image, method=method, target=goal)
    except ValueError as error:
        message = fig_message(str(error), height=200)
        return html.P(str(error), className="note"), message, message
    after = int(found.probabilities.argmax())
    name = METHODS[method].split()[0]
    if found.epsilon is None:
        text = (
            f"{chosen.caption}: {run_name} answers {answer} ({before[answer]:.1%}). {name} up to ε "
            "= "
            f"{MAX_EPSILON} does not change that answer"
            + (f" to {goal}." if goal is not None else ".")
        )
        titles = ("original", "no change found", "unchanged")
    else:
        text = (
            f"{chosen.caption}: {run_name} answers {answer} ({before[answer]:.1%}). {name} with ε "
            "= "
            f"{found.epsilon:.3f} makes it answer {after} ({found.probabilities[after]:.1%}); "
            f"with ε = {found.held_at:.3f} it still answered {answer}."
        )
        titles = (f"original: {answer}", f"change ±{found.epsilon:.3f}", f"adversarial: {after}")
    images = fig_attack(chosen.image, found.perturbation(chosen.image), found.image, titles)
    return html.P(text), images, fig_before_after(before, found.probabilities)


@callback(
    Output(ids.ADVERSARIAL_CURVE, "figure"),
    Output(ids.ADVERSARIAL_POLL, "disabled"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.ADVERSARIAL_POLL, "n_intervals"),
)
def show_curve(run_name: str, _ticks):
    """The run's robustness curve (polled until computed)."""
    curve = current().robustness(run_name)
    if curve is None:
        return (
            no_update
            if ctx.triggered_id == ids.ADVERSARIAL_POLL
            else fig_message(COMPUTING, height=360)
        ), False
    return fig_robustness(curve, run_name=run_name), True
