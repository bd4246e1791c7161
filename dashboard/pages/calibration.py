"""Calibration page: does the selected model's "98% sure" mean right 98% of the time?

The reliability diagram (15 confidence bins with their counts), expected and maximum calibration
error, and how sure the model is when right and when wrong; raw or temperature-scaled as the
shell's switch says. A run without `calibration.json` shows its raw values and how to calibrate it.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import ids
from dashboard.components import card, graph, scale_note, stat, table
from dashboard.figures.calibration import fig_confidence_histogram, fig_reliability
from dashboard.service import current
from dashboard.validation import check_choice, check_run

dash.register_page(
    __name__,
    path="/calibration",
    name="Calibration",
    title="Calibration · MNIST Explorer",
    order=36,
)


def layout(**_query) -> html.Div:
    """The Calibration page; everything follows the selected run and the probability switch."""
    return html.Div(
        [
            html.H1("Calibration"),
            card(
                "How well calibrated?",
                html.Div(id=ids.CALIBRATION_SUMMARY),
                note="Expected calibration error (ECE): the gap between confidence and accuracy, "
                "averaged over the "
                "bins weighted by their images; maximum (MCE): the largest gap of any bin. "
                "Temperature scaling "
                "divides the logits by one number fitted on the 5,000 validation images; it never "
                "changes "
                "the answer, only how sure the model says it is.",
            ),
            card(
                "Reliability diagram",
                graph(ids.CALIBRATION_RELIABILITY),
                note="Test images binned by confidence: a well calibrated model's bars reach the "
                "diagonal. The "
                "number on each bar is its count of images; nearly all sit in the last bin.",
            ),
            card(
                "Confidence when right and when wrong",
                graph(ids.CALIBRATION_HISTOGRAM),
                note="A trustworthy model is rarely very sure of a wrong answer.",
            ),
        ]
    )


def summary_view(run_name: str, calibration: dict | None, calibrated: bool) -> list:
    """The temperature and the before/after table, or "not calibrated" with the command that fixes
    it."""
    if calibration is None:
        path = current().run_path(run_name)
        return [
            html.P(
                [
                    html.Strong("Not calibrated. "),
                    "This run has no calibration.json, so raw probabilities "
                    "are shown everywhere. Add it with ",
                    html.Code(f"python -m model.calibrate --run {path}"),
                    ".",
                ],
                className="note",
            )
        ]
    rows = [
        (what, f"{calibration[key]['raw']:.4f}", f"{calibration[key]['calibrated']:.4f}")
        for what, key in (
            ("validation NLL", "validation_nll"),
            ("test NLL", "test_nll"),
            ("test ECE", "test_ece"),
            ("test MCE", "test_mce"),
        )
    ]
    return [
        html.Div(
            [
                stat(f"{calibration['temperature']:.3f}", "temperature"),
                stat(
                    f"{calibration['test_ece'][('calibrated' if calibrated else 'raw')]:.2%}",
                    f"test ECE ({scale_note(calibrated)})",
                ),
            ],
            className="stats",
        ),
        table(("", "raw", "calibrated"), rows),
        html.P(
            f"Fitted on the {calibration.get('fitted_on', 'validation split')}.", className="note"
        ),
    ]


@callback(
    Output(ids.CALIBRATION_SUMMARY, "children"),
    Output(ids.CALIBRATION_RELIABILITY, "figure"),
    Output(ids.CALIBRATION_HISTOGRAM, "figure"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_calibration(run_name: str, scale: str):
    """The selected run's calibration summary, reliability diagram and confidence histogram."""
    run_name, scale = (
        check_run(run_name),
        check_choice(scale, "probabilities", ["calibrated", "raw"]),
    )
    service = current()
    calibration = service.calibration(run_name)
    calibrated = scale != "raw" and calibration is not None
    return (
        summary_view(run_name, calibration, calibrated),
        *service.cached(
            run_name, ("calibration figures", calibrated), lambda: figures(run_name, calibrated)
        ),
    )


def figures(run_name: str, calibrated: bool) -> tuple:
    """The reliability diagram and the confidence histogram of run `run_name` (raw or
    calibrated)."""
    service = current()
    bins = service.reliability(run_name, calibrated=calibrated)
    answers = service.test_answer(run_name, slice(None), calibrated=calibrated)
    probabilities = answers.probabilities
    correct = probabilities.argmax(axis=1) == service.mnist.y_test
    title = f"{run_name} ({answers.description}): ECE {bins.ece:.2%}, MCE {bins.mce:.2%}"
    return (
        fig_reliability(bins.edges, bins.counts, bins.confidence, bins.accuracy, title=title),
        fig_confidence_histogram(probabilities.max(axis=1), correct),
    )
