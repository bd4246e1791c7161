"""Overview ("/"): what the app is, the dataset's size, the selected model's accuracy, links to the pages."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import ids
from dashboard.components import card, stat
from dashboard.service import current
from dashboard.validation import check_run

dash.register_page(__name__, path="/", name="Overview", title="MNIST Explorer", order=0)

SECTIONS = (
    ("Dataset", "/dataset", "Label balance, the average digit, where digits vary, and a map of the test images."),
    ("Training", "/training", "How each run learned: loss and accuracy per epoch, runs side by side."),
    ("Errors", "/errors", "Where the selected model goes wrong: confusion matrix, its images, per-class scores."),
)


def layout(**_query) -> html.Div:
    """The overview page."""
    mnist = current().mnist
    return html.Div([
        html.H1("MNIST Explorer"),
        html.P(
            "Explore the MNIST handwritten digits and the convolutional networks trained on them. "
            "Pick a model at the top right: every page follows it.", className="lead"),
        html.Div([
            stat(f"{len(mnist.y_train):,}", "training images"),
            stat(f"{len(mnist.y_test):,}", "test images"),
            stat("28 × 28", "grayscale pixels"),
            stat(f"{len(current().run_names())}", "trained runs"),
        ], className="stats"),
        html.Div(id=ids.HOME_SUMMARY),
        html.Div([
            card(name, html.P(text), dcc.Link(f"Open {name} →", href=path), class_name="link-card")
            for name, path, text in SECTIONS
        ], className="grid-3"),
    ])


@callback(Output(ids.HOME_SUMMARY, "children"), Input(ids.RUN_SELECT, "value"))
def show_summary(run_name: str) -> html.Section:
    """The selected model in one card: architecture, size, test accuracy and errors."""
    run = current().run(check_run(run_name))
    evaluation, meta = run.evaluation, run.metadata
    return card(
        f"Selected model: {run.name}",
        html.Div([
            stat(f"{evaluation['accuracy']:.2%}", "test accuracy"),
            stat(f"{evaluation['errors']:,}", f"test errors of {evaluation['count']:,}"),
            stat(meta.get("architecture", "?"), "architecture"),
            stat(f"{meta.get('parameters', 0):,}", "parameters"),
        ], className="stats"),
    )
