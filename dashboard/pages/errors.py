"""Errors page: confusion matrix, the images of a cell, one image's probabilities, per-class scores,
worst mistakes."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import card, gallery, graph, query_notice, table, tile
from dashboard.figures.errors import fig_class_scores, fig_confusion_matrix
from dashboard.figures.images import fig_probabilities, png_data_url
from dashboard.query import messages, query_cell, query_choice
from dashboard.service import current
from dashboard.validation import check_choice, check_int, check_run, fail, point_of

dash.register_page(
    __name__, path="/errors", name="Errors", title="Errors · MNIST Explorer", order=30
)

SALIENCY_PATH = "/saliency"
NORMALIZATIONS = {"counts": "counts", "share": "share of the true digit"}


def _main_column(mode: str) -> html.Div:
    """The confusion matrix in `mode`, the chosen cell's images, the surest mistakes, the scores."""
    modes = [{"label": v, "value": k} for k, v in NORMALIZATIONS.items()]
    return html.Div(
        [
            card(
                "Confusion matrix",
                dcc.RadioItems(
                    id=ids.ERRORS_NORMALIZE,
                    value=mode,
                    inline=True,
                    className="radio",
                    options=modes,
                ),
                graph(ids.ERRORS_MATRIX),
                note="Rows are true digits, columns predictions. The diagonal "
                "shows each digit's recall (blue: "
                "the darker, the more often right); errors are shaded on their own "
                "orange scale. Click a "
                "cell to see its images; the chosen cell is outlined.",
            ),
            card(
                "Images of the chosen cell",
                dcc.Loading(html.Div(id=ids.ERRORS_CELL), delay_show=300),
            ),
            card(
                "Most confident mistakes",
                html.Div(id=ids.ERRORS_MISTAKES),
                note="Test images the model got wrong while being most sure of its "
                "answer: often ambiguous "
                "or mislabelled.",
            ),
            card(
                "Per-class precision, recall and F1",
                graph(ids.ERRORS_SCORES),
                html.Div(id=ids.ERRORS_SCORES_TABLE),
            ),
        ],
        className="main-column",
    )


def layout(cell: str | None = None, mode: str | None = None, **_query) -> html.Div:
    """The Errors page, opened on confusion cell `cell` ("TRUE-PREDICTED") in `mode` (query
    parameters)."""
    asked_cell = query_cell(cell)
    asked_mode = query_choice(mode, "mode", list(NORMALIZATIONS), fallback="counts")
    side_panel = card(
        "Probabilities of one image",
        html.Div(id=ids.ERRORS_IMAGE, className="panel-image"),
        graph(ids.ERRORS_PROBABILITIES),
        html.Div(id=ids.ERRORS_PROBABILITIES_CAPTION),
        note="Click any image on this page to see the model's ten probabilities for it (the run's "
        "answer, raw or calibrated as the Probabilities switch says).",
        class_name="side-panel",
    )
    return html.Div(
        [
            html.H1("Errors"),
            query_notice(messages(asked_cell, asked_mode)),
            dcc.Store(id=ids.ERRORS_SELECTED),
            dcc.Store(
                id=ids.ERRORS_CHOSEN_CELL, data=list(asked_cell.value) if asked_cell.value else None
            ),
            html.Div([_main_column(asked_mode.value), side_panel], className="with-side-panel"),
        ]
    )


def error_tiles(run_name: str, indices, gallery_name: str, *, calibrated: bool) -> list:
    """Clickable tiles of test images with true and predicted digit, confidence and a link to
    explain it."""
    service = current()
    predictions = service.predictions(run_name)
    confidence = service.test_answer(run_name, indices, calibrated=calibrated).probabilities.max(1)
    return [
        tile(
            service.mnist.x_test[i],
            [
                f"#{i}",
                f"true {predictions.labels[i]} → {predictions.predicted[i]}",
                f"{shown:.1%}",
            ],
            tile_id={"type": ids.ERRORS_TILE, "gallery": gallery_name, "index": int(i)},
            link=("explain", f"{SALIENCY_PATH}?index={int(i)}"),
        )
        for i, shown in zip(indices, confidence, strict=True)
    ]


def answers_note(run_name: str, *, calibrated: bool) -> str:
    """What a gallery's percentages are: e.g. "confidence: calibrated, with test-time
    augmentation"."""
    return f"confidence: {current().described(run_name, calibrated=calibrated)}"


# The cell and the mode go into the URL (`?cell=TRUE-PREDICTED&mode=`), so that the address is a
# link to this view.
clientside_callback(
    "(cell, mode) => window.mnistQuery({cell: cell ? cell.join('-') : null, mode: mode})",
    Input(ids.ERRORS_CHOSEN_CELL, "data"),
    Input(ids.ERRORS_NORMALIZE, "value"),
)


@callback(
    Output(ids.ERRORS_CHOSEN_CELL, "data"),
    Input(ids.ERRORS_MATRIX, "clickData"),
    prevent_initial_call=True,
)
def choose_cell(click: dict | None) -> list[int]:
    """The (true, predicted) cell clicked last."""
    point = point_of(click, "clickData")
    if not point:
        raise PreventUpdate
    return [
        check_int(point.get("y"), "true digit", 0, 9),
        check_int(point.get("x"), "predicted digit", 0, 9),
    ]


def shown_cell(run_name: str, chosen: list | None) -> tuple[int, int]:
    """The cell the page shows: the chosen one, or the model's most frequent confusion before any
    choice."""
    if chosen:
        if not isinstance(chosen, list) or len(chosen) != 2:
            raise fail("cell", chosen, "a [true, predicted] pair of digits")
        return check_int(chosen[0], "true digit", 0, 9), check_int(
            chosen[1], "predicted digit", 0, 9
        )
    return current().predictions(run_name).most_confused()


@callback(
    Output(ids.ERRORS_MATRIX, "figure"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.ERRORS_NORMALIZE, "value"),
    Input(ids.ERRORS_CHOSEN_CELL, "data"),
)
def show_matrix(run_name: str, normalization: str, chosen: list | None):
    """The selected run's confusion matrix as counts or row shares, the cell shown outlined."""
    run_name, normalization = (
        check_run(run_name),
        check_choice(normalization, "normalization", list(NORMALIZATIONS)),
    )
    matrix = current().run(run_name).evaluation["confusion_matrix"]
    return fig_confusion_matrix(
        matrix, normalized=normalization == "share", selected=shown_cell(run_name, chosen)
    )


@callback(
    Output(ids.ERRORS_CELL, "children"),
    Input(ids.ERRORS_CHOSEN_CELL, "data"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_cell(chosen: list | None, run_name: str, scale: str = "calibrated") -> list:
    """The images of the chosen cell; before any choice, of the model's most frequent confusion."""
    run_name = check_run(run_name)
    return cell_view(run_name, *shown_cell(run_name, chosen), calibrated=scale != "raw")


def cell_view(run_name: str, true: int, predicted: int, *, calibrated: bool = True) -> list:
    """Heading and gallery of the test images labelled `true` and predicted `predicted`.

    Errors come most confident first (the surest mistakes), right answers least confident first
    (the doubtful ones teach more than the thousand obvious ones).
    """
    indices = current().predictions(run_name).cell(true, predicted)
    if true == predicted:
        indices = indices[::-1]
    shown = indices[: current().settings.cell_gallery_size]
    what = "correctly classified" if true == predicted else f"predicted {predicted}"
    order = "least" if true == predicted else "most"
    heading = html.P(
        [
            html.Strong(f"True {true}, {what}: "),
            f"{len(indices):,} images"
            + (
                f", the {len(shown)} {order} confident shown"
                if len(shown) < len(indices)
                else f", {order} confident first"
            )
            + f" ({answers_note(run_name, calibrated=calibrated)})",
        ],
        className="cell-heading",
    )
    return [
        heading,
        gallery(
            error_tiles(run_name, shown, "cell", calibrated=calibrated),
            empty="No test image falls in this cell.",
        ),
    ]


@callback(
    Output(ids.ERRORS_SELECTED, "data"),
    Input({"type": ids.ERRORS_TILE, "gallery": ALL, "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select_image(_clicks: list) -> int:
    """Remember the test index of the image clicked last."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # tiles were (re)drawn, not clicked
    tile_id = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
    return check_int(tile_id.get("index"), "image", 0, len(current().mnist.y_test) - 1)


@callback(
    Output(ids.ERRORS_PROBABILITIES, "figure"),
    Output(ids.ERRORS_PROBABILITIES_CAPTION, "children"),
    Output(ids.ERRORS_IMAGE, "children"),
    Input(ids.ERRORS_SELECTED, "data"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_probabilities(index: int | None, run_name: str, scale: str = "calibrated"):
    """The clicked image and its ten probabilities; before any click, the most confident
    mistake's."""
    run_name = check_run(run_name)
    index = None if index is None else check_int(index, "image", 0, len(current().mnist.y_test) - 1)
    service = current()
    predictions = service.predictions(run_name)
    if index is None:
        mistakes = predictions.confident_mistakes(1)
        index = int(mistakes[0]) if len(mistakes) else 0
    label, predicted = int(predictions.labels[index]), int(predictions.predicted[index])
    answer = service.test_answer(run_name, index, calibrated=scale != "raw")
    figure = fig_probabilities(
        answer.probabilities,
        label,
        title=f"Test image #{index}: true {label}, predicted {predicted} ({answer.description})",
    )
    caption = dcc.Link(
        f"Explain image #{index} on the Saliency page →", href=f"{SALIENCY_PATH}?index={index}"
    )
    verdict = "right" if label == predicted else "wrong"
    image = [
        html.Img(
            src=png_data_url(service.mnist.x_test[index]),
            alt=f"test image {index}",
            className="big-digit",
        ),
        html.P(
            [
                html.Strong(f"#{index}"),
                f" · true {label} · predicted {predicted} "
                f"({answer.probabilities[predicted]:.1%}): ",
                html.Span(verdict, className=verdict),
            ]
        ),
    ]
    return figure, caption, image


@callback(
    Output(ids.ERRORS_MISTAKES, "children"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_mistakes(run_name: str, scale: str = "calibrated"):
    """The selected run's most confident mistakes."""
    run_name = check_run(run_name)
    indices = current().predictions(run_name).confident_mistakes(current().settings.mistakes_size)
    calibrated = scale != "raw"
    return [
        html.P(answers_note(run_name, calibrated=calibrated), className="note"),
        gallery(
            error_tiles(run_name, indices, "mistakes", calibrated=calibrated),
            empty="This model makes no mistake on the test set.",
        ),
    ]


@callback(
    Output(ids.ERRORS_SCORES, "figure"),
    Output(ids.ERRORS_SCORES_TABLE, "children"),
    Input(ids.RUN_SELECT, "value"),
)
def show_scores(run_name: str):
    """Precision, recall and F1 per digit, as bars and as a table."""
    run_name = check_run(run_name)
    per_class = current().run(run_name).evaluation["per_class"]
    rows = [
        (
            c["digit"],
            f"{c['precision']:.2%}",
            f"{c['recall']:.2%}",
            f"{c['f1']:.2%}",
            f"{c['support']:,}",
        )
        for c in per_class
    ]
    return fig_class_scores(per_class), table(
        ("digit", "precision", "recall", "F1", "test images"), rows
    )
