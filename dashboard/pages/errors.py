"""Errors page: confusion matrix, the images of a cell, one image's probabilities, per-class scores, worst mistakes."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import card, gallery, graph, scale_note, table, tile
from dashboard.figures.errors import fig_class_scores, fig_confusion_matrix
from dashboard.figures.images import fig_probabilities
from dashboard.service import current

dash.register_page(__name__, path="/errors", name="Errors", title="Errors · MNIST Explorer", order=30)

SALIENCY_PATH = "/saliency"
NORMALIZATIONS = {"counts": "counts", "share": "share of the true digit"}


def layout(**_query) -> html.Div:
    """The Errors page; everything in it follows the selected run."""
    return html.Div([
        html.H1("Errors"),
        dcc.Store(id=ids.ERRORS_SELECTED),
        html.Div([
            html.Div([
                card("Confusion matrix",
                     dcc.RadioItems(id=ids.ERRORS_NORMALIZE, value="counts", inline=True, className="radio",
                                    options=[{"label": v, "value": k} for k, v in NORMALIZATIONS.items()]),
                     graph(ids.ERRORS_MATRIX),
                     note="Rows are true digits, columns predictions; the green diagonal is right, red cells are "
                          "errors. Click a cell to see its images."),
                card("Images of the chosen cell", dcc.Loading(html.Div(id=ids.ERRORS_CELL), delay_show=300)),
                card("Most confident mistakes", html.Div(id=ids.ERRORS_MISTAKES),
                     note="Test images the model got wrong while being most sure of its answer: often ambiguous "
                          "or mislabelled."),
                card("Per-class precision, recall and F1", graph(ids.ERRORS_SCORES),
                     html.Div(id=ids.ERRORS_SCORES_TABLE)),
            ], className="main-column"),
            card("Probabilities of one image", graph(ids.ERRORS_PROBABILITIES),
                 html.Div(id=ids.ERRORS_PROBABILITIES_CAPTION),
                 note="Click any image on this page to see the model's ten probabilities for it.",
                 class_name="side-panel"),
        ], className="with-side-panel"),
    ])


def error_tiles(run_name: str, indices, gallery_name: str, *, calibrated: bool) -> list:
    """Clickable tiles of test images with true and predicted digit, confidence and a link to explain it."""
    service = current()
    predictions = service.predictions(run_name)
    confidence = service.probabilities(run_name, calibrated=calibrated).max(axis=1)
    return [
        tile(
            service.mnist.x_test[i],
            [f"#{i}", f"true {predictions.labels[i]} → {predictions.predicted[i]}", f"{confidence[i]:.1%}"],
            tile_id={"type": ids.ERRORS_TILE, "gallery": gallery_name, "index": int(i)},
            link=("explain", f"{SALIENCY_PATH}?index={int(i)}"),
        )
        for i in indices
    ]


@callback(Output(ids.ERRORS_MATRIX, "figure"), Input(ids.RUN_SELECT, "value"), Input(ids.ERRORS_NORMALIZE, "value"))
def show_matrix(run_name: str, normalization: str):
    """The selected run's confusion matrix as counts or row shares."""
    matrix = current().run(run_name).evaluation["confusion_matrix"]
    return fig_confusion_matrix(matrix, normalized=normalization == "share")


@callback(Output(ids.ERRORS_CELL, "children"), Input(ids.ERRORS_MATRIX, "clickData"), Input(ids.RUN_SELECT, "value"),
          Input(ids.PROBABILITY_SCALE, "value"))
def show_cell(click: dict | None, run_name: str, scale: str = "calibrated") -> list:
    """The images of the clicked cell; before any click, the model's most frequent confusion."""
    calibrated = scale != "raw"
    if click:
        point = click["points"][0]
        return cell_view(run_name, int(point["y"]), int(point["x"]), calibrated=calibrated)
    return cell_view(run_name, *current().predictions(run_name).most_confused(), calibrated=calibrated)


def cell_view(run_name: str, true: int, predicted: int, *, calibrated: bool = True) -> list:
    """Heading and gallery of the test images labelled `true` and predicted `predicted`, most confident first."""
    indices = current().predictions(run_name).cell(true, predicted)
    shown = indices[: current().settings.cell_gallery_size]
    what = "correctly classified" if true == predicted else f"predicted {predicted}"
    heading = html.P([html.Strong(f"True {true}, {what}: "),
                      f"{len(indices):,} images" + (f", the {len(shown)} most confident shown" if len(shown) < len(indices) else ""),
                      ], className="cell-heading")
    return [heading, gallery(error_tiles(run_name, shown, "cell", calibrated=calibrated),
                             empty="No test image falls in this cell.")]


@callback(Output(ids.ERRORS_SELECTED, "data"), Input({"type": ids.ERRORS_TILE, "gallery": ALL, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def select_image(_clicks: list) -> int:
    """Remember the test index of the image clicked last."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # tiles were (re)drawn, not clicked
    return int(ctx.triggered_id["index"])


@callback(Output(ids.ERRORS_PROBABILITIES, "figure"), Output(ids.ERRORS_PROBABILITIES_CAPTION, "children"),
          Input(ids.ERRORS_SELECTED, "data"), Input(ids.RUN_SELECT, "value"), Input(ids.PROBABILITY_SCALE, "value"))
def show_probabilities(index: int | None, run_name: str, scale: str = "calibrated"):
    """The ten probabilities of the clicked image; before any click, of the most confident mistake."""
    service = current()
    probabilities, predictions = service.probabilities(run_name, calibrated=scale != "raw"), service.predictions(run_name)
    if index is None:
        mistakes = predictions.confident_mistakes(1)
        index = int(mistakes[0]) if len(mistakes) else 0
    label = int(predictions.labels[index])
    figure = fig_probabilities(probabilities[index], label, title=f"Test image #{index}: true {label}, predicted "
                               f"{predictions.predicted[index]} ({scale_note(scale != 'raw', service.uncalibrated(run_name))})")
    caption = dcc.Link(f"Explain image #{index} on the Saliency page →", href=f"{SALIENCY_PATH}?index={index}")
    return figure, caption


@callback(Output(ids.ERRORS_MISTAKES, "children"), Input(ids.RUN_SELECT, "value"), Input(ids.PROBABILITY_SCALE, "value"))
def show_mistakes(run_name: str, scale: str = "calibrated"):
    """The selected run's most confident mistakes."""
    indices = current().predictions(run_name).confident_mistakes(current().settings.mistakes_size)
    return gallery(error_tiles(run_name, indices, "mistakes", calibrated=scale != "raw"),
                   empty="This model makes no mistake on the test set.")


@callback(Output(ids.ERRORS_SCORES, "figure"), Output(ids.ERRORS_SCORES_TABLE, "children"),
          Input(ids.RUN_SELECT, "value"))
def show_scores(run_name: str):
    """Precision, recall and F1 per digit, as bars and as a table."""
    per_class = current().run(run_name).evaluation["per_class"]
    rows = [(c["digit"], f"{c['precision']:.2%}", f"{c['recall']:.2%}", f"{c['f1']:.2%}", f"{c['support']:,}")
            for c in per_class]
    return fig_class_scores(per_class), table(("digit", "precision", "recall", "F1", "test images"), rows)
