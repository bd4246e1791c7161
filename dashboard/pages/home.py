"""Overview ("/"): what the app is, a picture of the digits, the selected model, and a link to every
page, Draw first."""

from __future__ import annotations

import dash
import numpy as np
from dash import Input, Output, callback, dcc, html

from dashboard import ids
from dashboard.components import card, stat
from dashboard.figures.images import digit_mosaic, png_data_url
from dashboard.service import current
from dashboard.validation import check_run

dash.register_page(__name__, path="/", name="Overview", title="MNIST Explorer", order=0)

FIRST = "/draw"  # the hook for learners: draw a digit and watch the model read it
MOSAIC_ROWS = 3  # examples of each digit in the picture
# What each page is for; a page without an entry here shows its registry description.
SECTIONS = {
    "/draw": "Draw a digit or a number, or upload a photo, and watch the model read it stroke by "
    "stroke.",
    "/dataset": "Label balance, the average digit, where digits vary, and a map of the test "
    "images.",
    "/training": "How each run learned: loss, error rate and learning rate per epoch, runs side by "
    "side.",
    "/errors": "Where the selected model goes wrong: confusion matrix, its images, per-class "
    "scores.",
    "/saliency": "Which pixels an answer rests on, by five explanation methods side by side.",
    "/train": "Train a new model from the browser and follow its learning curves live.",
}


def linked_pages() -> list[tuple[str, str, str]]:
    """(name, path, text) of every registered page but this one, Draw first, then in navigation
    order."""
    pages = [page for page in dash.page_registry.values() if page["path"] != "/"]
    pages.sort(key=lambda page: page["path"] != FIRST)  # stable: the others keep their order
    return [
        (
            page["name"],
            page["relative_path"],
            SECTIONS.get(page["path"], page.get("description") or ""),
        )
        for page in pages
    ]


def digits_picture() -> html.Img:
    """The first test images of each digit, a column per digit, as one picture."""
    labels = current().mnist.y_test
    picks = [np.flatnonzero(labels == digit)[:MOSAIC_ROWS] for digit in range(10)]
    images = current().mnist.x_test[
        [picks[digit][row] for row in range(MOSAIC_ROWS) for digit in range(10)]
    ]
    return html.Img(
        src=png_data_url(digit_mosaic(images, columns=10)),
        className="digits-picture",
        alt="Handwritten digits 0 to 9 from the MNIST test set",
    )


def layout(**_query) -> html.Div:
    """The overview page."""
    mnist = current().mnist
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.H1("MNIST Explorer"),
                            html.P(
                                "Explore the MNIST handwritten digits and the convolutional "
                                "networks trained on them. "
                                "Pick a model at the top: every page follows it.",
                                className="lead",
                            ),
                            dcc.Link(
                                "Start by drawing a digit →", href=FIRST, className="button start"
                            ),
                        ],
                        className="hero-text",
                    ),
                    digits_picture(),
                ],
                className="hero",
            ),
            html.Div(
                [
                    stat(f"{len(mnist.y_train):,}", "training images"),
                    stat(f"{len(mnist.y_test):,}", "test images"),
                    stat("28 × 28", "grayscale pixels"),
                    stat(f"{len(current().run_names())}", "trained runs"),
                ],
                className="stats",
            ),
            html.Div(id=ids.HOME_SUMMARY),
            html.Div(
                [
                    card(
                        name,
                        html.P(text),
                        dcc.Link(f"Open {name} →", href=path),
                        class_name="link-card",
                    )
                    for name, path, text in linked_pages()
                ],
                className="grid-3",
            ),
        ]
    )


@callback(Output(ids.HOME_SUMMARY, "children"), Input(ids.RUN_SELECT, "value"))
def show_summary(run_name: str) -> html.Section:
    """The selected model in one card: architecture, size, test accuracy and errors."""
    run = current().run(check_run(run_name))
    evaluation, meta = run.evaluation, run.metadata
    return card(
        f"Selected model: {run.name}",
        html.Div(
            [
                stat(f"{evaluation['accuracy']:.2%}", "test accuracy"),
                stat(f"{evaluation['errors']:,}", f"test errors of {evaluation['count']:,}"),
                stat(meta.get("architecture", "?"), "architecture"),
                stat(f"{meta.get('parameters', 0):,}", "parameters"),
            ],
            className="stats",
        ),
    )
