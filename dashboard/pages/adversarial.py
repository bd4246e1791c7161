"""Adversarial page: how small a change fools the model, for a test image or your last drawing.

FGSM or PGD under an L-infinity budget ε (no pixel changes by more than ε): the smallest ε that
changes the model's answer (or makes it a chosen digit), found by a search over ε, with the
perturbation and the adversarial image beside the original; and the selected model's accuracy
against ε on 1,000 test images, read from a file computed once per model
(`python -m model.insight`; computed in the background for a model without one while the
page polls).
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
from model.core.answer import Answer
from model.insight.adversarial import MAX_EPSILON, METHODS, Attack

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


def _attack_controls() -> html.Div:
    """The attack method and the digit it aims for."""
    targets = [{"label": "any other digit", "value": ANY}] + [
        {"label": f"make it read {d}", "value": d} for d in range(config.NUM_CLASSES)
    ]
    return html.Div(
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


def layout(index: str | None = None, **_query) -> html.Div:
    """The Adversarial page, opened on test image `index` (a query parameter)."""
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
                _attack_controls(),
                note="FGSM takes one step of size ε along the sign of the loss gradient; "
                "PGD takes ten smaller steps, "
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
                "the result. The attack works on the bare model; the answers and bars are the "
                "run's (with its test-time augmentation if it uses one), raw or calibrated as the "
                "Probabilities switch says.",
            ),
            card(
                "How the model holds up",
                graph(ids.ADVERSARIAL_CURVE),
                dcc.Interval(id=ids.ADVERSARIAL_POLL, interval=POLL_MS, disabled=True),
                note="Accuracy on the first 1,000 test images when each is attacked with "
                "budget ε: what a worst-case "
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
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_attack(
    source: str, index, drawing, method: str, target, run_name: str, scale: str = "calibrated"
):
    """The smallest-ε adversarial example of the chosen image against run `run_name`'s model; the
    run's answers before and after (as the Probabilities switch says)."""
    method, run_name = check_choice(method, "method", list(METHODS)), check_run(run_name)
    target = check_choice(target, "target digit", [ANY, *range(10)])
    service, calibrated = current(), scale != "raw"
    try:
        chosen = source_image(source, index, drawing)
        before = service.answer(run_name, chosen.image, calibrated=calibrated)
        answer = int(before.probabilities.argmax())
        goal = None if target == ANY else target
        if goal is not None and goal == answer:
            raise ValueError(f"The model already reads {answer}: choose another digit to aim for.")
        found = service.attack(run_name, chosen.image, method=method, target=goal)
    except ValueError as error:
        message = fig_message(str(error), height=200)
        return html.P(str(error), className="note"), message, message
    after = service.answer(run_name, found.image, calibrated=calibrated)
    text, titles = attack_text(chosen.caption, run_name, method, goal, before, after, found)
    images = fig_attack(chosen.image, found.perturbation(chosen.image), found.image, titles)
    bars = fig_before_after(
        before.probabilities, after.probabilities, title=f"probabilities: {before.description}"
    )
    return html.P(text), images, bars


def attack_text(
    caption: str,
    run_name: str,
    method: str,
    goal: int | None,
    before: Answer,
    after: Answer,
    found: Attack,
) -> tuple[str, tuple[str, str, str]]:
    """What the attack did, in a sentence, and the titles of the three images."""
    answer, changed = int(before.probabilities.argmax()), int(after.probabilities.argmax())
    name = METHODS[method].split()[0]
    said = f"{caption}: {run_name} answers {answer} ({before.probabilities[answer]:.1%})"
    if found.epsilon is None:
        text = f"{said}. {name} up to ε = {MAX_EPSILON} does not change that answer" + (
            f" to {goal}." if goal is not None else "."
        )
        return text, ("original", "no change found", "unchanged")
    if changed == answer:  # the attack fooled the bare model; the run's TTA still reads it
        text = (
            f"{said}. {name} with ε = {found.epsilon:.3f} changes the bare model's answer, but "
            f"with test-time augmentation {run_name} still answers {answer} "
            f"({after.probabilities[answer]:.1%})."
        )
        return text, (f"original: {answer}", f"change ±{found.epsilon:.3f}", f"still {answer}")
    text = (
        f"{said}. {name} with ε = {found.epsilon:.3f} makes it answer {changed} "
        f"({after.probabilities[changed]:.1%}); with ε = {found.held_at:.3f} it still answered "
        f"{answer}."
    )
    return text, (f"original: {answer}", f"change ±{found.epsilon:.3f}", f"adversarial: {changed}")


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
