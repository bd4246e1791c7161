"""Compare page: is model B really better than model A on the test set, and where do they differ?

Accuracies with 95% intervals, McNemar's exact test on the images where exactly one model is
right, the 2x2 table of agreement whose cells open galleries, the difference of the confusion
matrices and per-class changes. All from the two runs' stored test probabilities.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import card, gallery, graph, tile
from dashboard.figures.compare import (
    fig_accuracy_intervals,
    fig_class_differences,
    fig_confusion_difference,
)
from dashboard.figures.theme import fig_message
from dashboard.service import current
from model.trust.compare import CELLS, format_p, order_cell, verdict

dash.register_page(
    __name__, path="/compare", name="Compare", title="Compare · MNIST Explorer", order=35
)

SALIENCY_PATH = "/saliency"
CELL_TITLES = {
    "both_right": "both right",
    "only_a": "only A right",
    "only_b": "only B right",
    "both_wrong": "both wrong",
}


def _run_picker(letter: str, component_id: str, options: list, value: str) -> html.Label:
    return html.Label(
        [letter, dcc.Dropdown(id=component_id, options=options, value=value, clearable=False)]
    )


def _pickers() -> html.Div:
    """The two run selectors: A defaults to the shipped model, B to the most accurate other run."""
    service = current()
    options = [{"label": summary.label, "value": summary.name} for summary in service.summaries()]
    first = service.default_run()
    second = service.best_other_run(first) or first
    return html.Div(
        [
            _run_picker("A", ids.COMPARE_RUN_A, options, first),
            _run_picker("B", ids.COMPARE_RUN_B, options, second),
        ],
        className="compare-pickers",
    )


def layout(**_query) -> html.Div:
    """The Compare page: A defaults to the shipped model, B to the most accurate other run."""
    return html.Div(
        [
            html.H1("Compare two models"),
            dcc.Store(id=ids.COMPARE_SELECTED),
            card("Models", _pickers(), note="Two runs scored on the same 10,000 test images."),
            card(
                "Is one really better?",
                html.Div(id=ids.COMPARE_SUMMARY, className="compare-verdict"),
                graph(ids.COMPARE_INTERVALS),
                note="McNemar's exact test looks only at the images where exactly one model is "
                "right: if the two "
                "were equally good, each would win about half of them.",
            ),
            card(
                "Where they agree and differ",
                html.Div(id=ids.COMPARE_TABLE),
                dcc.Loading(html.Div(id=ids.COMPARE_GALLERY), delay_show=300),
                note="Click a cell to see its images with both models' probabilities of their "
                "answers (each run's answer, raw or calibrated as the Probabilities switch says).",
            ),
            card(
                "Confusion matrix: B minus A",
                graph(ids.COMPARE_CONFUSION),
                note="Each cell: B's count minus A's. Green: better for B (more right answers, "
                "fewer errors), red: "
                "worse.",
            ),
            card("Per-class precision and recall: B minus A", graph(ids.COMPARE_CLASSES)),
        ]
    )


def agreement_table(counts: dict[str, int], selected: str | None) -> html.Table:
    """The 2x2 table (rows: A right / wrong, columns: B right / wrong) of clickable counts."""

    def cell(name: str) -> html.Td:
        button = html.Button(
            [html.Strong(f"{counts[name]:,}"), html.Span(CELL_TITLES[name])],
            id={"type": ids.COMPARE_CELL, "cell": name},
            n_clicks=0,
            className="agreement-cell selected" if name == selected else "agreement-cell",
        )
        return html.Td(button)

    return html.Table(
        [
            html.Thead(html.Tr([html.Th(""), html.Th("B right"), html.Th("B wrong")])),
            html.Tbody(
                [
                    html.Tr([html.Th("A right"), cell("both_right"), cell("only_a")]),
                    html.Tr([html.Th("A wrong"), cell("only_b"), cell("both_wrong")]),
                ]
            ),
        ],
        className="agreement-table",
    )


def default_cell(counts: dict[str, int]) -> str:
    """The cell opened first: where the models disagree, if anywhere."""
    return next((name for name in ("only_b", "only_a", "both_wrong") if counts[name]), "both_right")


@callback(
    Output(ids.COMPARE_SUMMARY, "children"),
    Output(ids.COMPARE_INTERVALS, "figure"),
    Output(ids.COMPARE_CONFUSION, "figure"),
    Output(ids.COMPARE_CLASSES, "figure"),
    Input(ids.COMPARE_RUN_A, "value"),
    Input(ids.COMPARE_RUN_B, "value"),
)
def show_comparison(name_a: str, name_b: str):
    """The verdict, the accuracies with intervals, and the two difference figures."""
    if name_a == name_b:
        message = "Pick two different runs to compare."
        return (
            html.P(message, className="note"),
            fig_message(message),
            fig_message(message),
            fig_message(message),
        )
    service = current()
    result = service.comparison(name_a, name_b)
    names = (name_a, name_b)
    only_a, only_b = result.count("only_a"), result.count("only_b")
    summary = [
        html.P(html.Strong(verdict(name_a, name_b, only_a, only_b)), className="verdict"),
        html.P(
            f"A ({name_a}): {result.accuracy[0]:.2%} (95% interval {result.interval_a[0]:.2%} to "
            f"{result.interval_a[1]:.2%}); B ({name_b}): {result.accuracy[1]:.2%} (95% interval "
            f"{result.interval_b[0]:.2%} to {result.interval_b[1]:.2%}). They disagree on "
            f"{only_a + only_b} "
            f"images: only A is right on {only_a}, only B on {only_b}; exact McNemar test "
            f"{format_p(result.p_value)}.",
            className="note",
        ),
    ]
    figures = service.cached(
        name_a,
        ("compare", name_b, service.entry(name_b).stamp),
        lambda: (
            fig_accuracy_intervals(names, result.accuracy, (result.interval_a, result.interval_b)),
            fig_confusion_difference(result.confusion_difference, names),
            fig_class_differences(result.precision, result.recall, names),
        ),
    )
    return (summary, *figures)


@callback(
    Output(ids.COMPARE_SELECTED, "data"),
    Input({"type": ids.COMPARE_CELL, "cell": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select_cell(_clicks: list) -> str:
    """Remember the agreement cell clicked last."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    return ctx.triggered_id["cell"]


@callback(
    Output(ids.COMPARE_TABLE, "children"),
    Output(ids.COMPARE_GALLERY, "children"),
    Input(ids.COMPARE_SELECTED, "data"),
    Input(ids.COMPARE_RUN_A, "value"),
    Input(ids.COMPARE_RUN_B, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_cell(selected: str | None, name_a: str, name_b: str, scale: str):
    """The agreement table and the chosen cell's images, each with both models' answers and
    probabilities."""
    if name_a == name_b:
        return None, None
    service = current()
    result = service.comparison(name_a, name_b)
    counts = {name: result.count(name) for name in CELLS}
    cell = selected if selected in CELLS else default_cell(counts)
    calibrated = scale != "raw"
    p_a = service.test_answer(name_a, slice(None), calibrated=calibrated).probabilities
    p_b = service.test_answer(name_b, slice(None), calibrated=calibrated).probabilities
    labels = service.mnist.y_test
    shown = order_cell(cell, result.cells[cell], labels, p_a, p_b)[
        : service.settings.cell_gallery_size
    ]
    tiles = [
        tile(
            service.mnist.x_test[i],
            [
                f"#{i} · label {labels[i]}",
                f"A: {p_a[i].argmax()} ({p_a[i].max():.1%})",
                f"B: {p_b[i].argmax()} ({p_b[i].max():.1%})",
            ],
            link=("explain", f"{SALIENCY_PATH}?index={int(i)}"),
        )
        for i in shown
    ]
    note = (
        f" (A: {service.described(name_a, calibrated=calibrated)}; "
        f"B: {service.described(name_b, calibrated=calibrated)})"
    )
    heading = html.P(
        [
            html.Strong(f"{CELL_TITLES[cell].capitalize()}: "),
            f"{counts[cell]:,} images",
            f", the {len(shown)} most telling shown" if len(shown) < counts[cell] else "",
            note,
        ],
        className="cell-heading",
    )
    return agreement_table(counts, cell), [
        heading,
        gallery(tiles, empty="No test image falls in this cell."),
    ]
