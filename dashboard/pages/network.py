"""Network page: what happens between the pixels and the answer, for a test image or your last
drawing.

The feature maps of every convolution layer (channels strongest first), the first layer's
filters, the strongest units of the last hidden layer, and the map of learned features: the
last hidden layer of the Dataset page's sample of test images placed by t-SNE, beside the same
images placed by their pixels. The map is read from a file computed once per model
(`python -m model.insight`); for a model without one it is computed in the background while the
page polls. Clicking a dot on either map opens that test image.
"""

from __future__ import annotations

import dash
import numpy as np
from dash import Input, Output, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import card, graph
from dashboard.drawing.source import TEST, query_index, random_index, source_controls, source_image
from dashboard.figures.dataset import fig_projection
from dashboard.figures.images import png_data_url
from dashboard.figures.network import fig_feature_maps, fig_filters, fig_units
from dashboard.figures.theme import fig_message
from dashboard.service import current
from dashboard.validation import check_clicks
from model.core.answer import Answer
from model.insight.activations import channel_order, strongest_units

dash.register_page(
    __name__, path="/network", name="Network", title="Network · MNIST Explorer", order=45
)

UNITS = 16  # strongest hidden units shown
POLL_MS = 3000
COMPUTING = (
    "Computing the map of learned features of this model (about a minute, once per model; "
    "shipped models have theirs precomputed)…"
)


def _maps_card() -> html.Div:
    """The projection's test images placed by their pixels and by the model's learned features."""
    size = current().settings.projection_size
    maps = html.Div(
        [
            html.Div(
                [html.H4("By their pixels (t-SNE)"), graph(ids.NETWORK_PIXEL_MAP)], className="grow"
            ),
            html.Div(
                [
                    html.H4("By the model's learned features (t-SNE)"),
                    graph(ids.NETWORK_FEATURE_MAP),
                ],
                className="grow",
            ),
        ],
        className="split network-maps",
    )
    return card(
        f"A map of learned features: {size:,} test images",
        maps,
        html.Div(id=ids.NETWORK_MAP_STATUS, className="note"),
        dcc.Interval(id=ids.NETWORK_POLL, interval=POLL_MS, disabled=True),
        note="The same test images as the Dataset page's map, placed by their pixels "
        "(left) and by the last "
        "hidden layer of the selected model (right), coloured by label; rings mark the "
        "model's mistakes. "
        "Classes that overlap in pixels separate in learned features. Click a dot to look "
        "inside that image.",
    )


def _filters_and_units() -> html.Div:
    """The first layer's filters beside the strongest units of the last hidden layer."""
    return html.Div(
        [
            card(
                "The first layer's filters",
                graph(ids.NETWORK_FILTERS),
                note="The learned kernels the first convolution slides over the image: red "
                "weights add the pixel "
                "under them, blue ones subtract it. Edges and strokes in several "
                "directions.",
            ),
            card(
                "The strongest units of the last hidden layer",
                graph(ids.NETWORK_UNITS),
                note="The units that feed the answer, most active first; each bar's colour "
                "is the digit that the "
                "unit's weights favour most.",
            ),
        ],
        className="network-pair",
    )


def layout(index: str | None = None, **_query) -> html.Div:
    """The Network page, opened on test image `index` (a query parameter)."""
    return html.Div(
        [
            html.H1("Network"),
            card(
                "Choose an image",
                source_controls(
                    ids.NETWORK_SOURCE,
                    ids.NETWORK_INDEX,
                    ids.NETWORK_RANDOM,
                    index=query_index(index),
                ),
                html.Div(id=ids.NETWORK_CAPTION, className="saliency-caption"),
            ),
            card(
                "Feature maps",
                graph(ids.NETWORK_MAPS),
                note="What each convolution layer passes on for this image: one small map per "
                "channel (filter), the most "
                "active channels first, each layer scaled to its own maximum. Deeper layers are "
                "smaller and more "
                "abstract.",
            ),
            _filters_and_units(),
            _maps_card(),
        ]
    )


@callback(
    Output(ids.NETWORK_INDEX, "value"),
    Output(ids.NETWORK_SOURCE, "value"),
    Input(ids.NETWORK_RANDOM, "n_clicks"),
    Input(ids.NETWORK_PIXEL_MAP, "clickData"),
    Input(ids.NETWORK_FEATURE_MAP, "clickData"),
    prevent_initial_call=True,
)
def pick_image(clicks: int, pixel_click: dict | None, feature_click: dict | None):
    """A random test image, or the one whose dot was clicked on either map."""
    if ctx.triggered_id == ids.NETWORK_RANDOM:
        return random_index(check_clicks(clicks)), TEST
    click = pixel_click if ctx.triggered_id == ids.NETWORK_PIXEL_MAP else feature_click
    try:
        return int(click["points"][0]["customdata"]), TEST
    except (TypeError, KeyError, IndexError, ValueError):
        raise PreventUpdate from None


def caption(image: np.ndarray, text: str, label: int | None, read: Answer, run_name: str) -> list:
    """The image small, what it is and the model's answer (and what its probability is)."""
    probabilities = read.probabilities
    predicted = int(probabilities.argmax())
    answer = f"{run_name} answers {predicted} ({probabilities[predicted]:.1%})"
    verdict = (
        []
        if label is None
        else [
            ", ",
            html.Span(
                "right" if label == predicted else "wrong",
                className="right" if label == predicted else "wrong",
            ),
        ]
    )
    pixels = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    return [
        html.Img(src=png_data_url(pixels), alt=text),
        html.P(
            [html.Strong(text), f" · {answer}", *verdict, f" · probabilities {read.description}"]
        ),
    ]


@callback(
    Output(ids.NETWORK_CAPTION, "children"),
    Output(ids.NETWORK_MAPS, "figure"),
    Output(ids.NETWORK_FILTERS, "figure"),
    Output(ids.NETWORK_UNITS, "figure"),
    Input(ids.NETWORK_SOURCE, "value"),
    Input(ids.NETWORK_INDEX, "value"),
    Input(ids.SHELL_DRAWING, "data"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_network(source: str, index, drawing, run_name: str, scale: str = "calibrated"):
    """The activations of the chosen image in run `run_name`'s model, and the run's answer for it
    (as the Probabilities switch says)."""
    network = current().network(run_name)
    if network.has_convolution:
        filters = fig_filters(network.first_filters(), layer=network.conv_layers[0])
    else:
        filters = fig_message("No convolution, no filters.", height=120)
    try:
        chosen = source_image(source, index, drawing)
    except ValueError as error:
        message = fig_message(str(error), height=200)
        return html.P(str(error), className="note"), message, filters, message
    seen = network.activations(chosen.image)
    read = current().answer(run_name, chosen.image, calibrated=scale != "raw")
    head = caption(chosen.image, chosen.caption, chosen.label, read, run_name)
    if network.has_convolution:
        layers = [(layer.name, layer.maps) for layer in seen.layers]
        maps = fig_feature_maps(layers, [channel_order(layer.maps) for layer in seen.layers])
    else:
        maps = fig_message(
            f"{run_name} is a multilayer perceptron: it has no convolution layer, so no feature "
            "maps "
            "or filters. Its hidden layer is shown below.",
            height=120,
        )
    units = strongest_units(seen.hidden, UNITS)
    unit_figure = fig_units(
        seen.hidden[units], units, network.unit_classes()[units], layer=network.hidden_layer
    )
    return head, maps, filters, unit_figure


@callback(
    Output(ids.NETWORK_PIXEL_MAP, "figure"),
    Output(ids.NETWORK_FEATURE_MAP, "figure"),
    Output(ids.NETWORK_MAP_STATUS, "children"),
    Output(ids.NETWORK_POLL, "disabled"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.NETWORK_POLL, "n_intervals"),
)
def show_maps(run_name: str, _ticks):
    """The pixel map and the map of learned features (polled until computed), the run's mistakes
    ringed."""
    service = current()
    projection = service.projection
    wrong = service.predictions(run_name).predicted[projection.indices] != projection.labels
    coordinates = service.features_map(run_name)
    polled = ctx.triggered_id == ids.NETWORK_POLL
    if coordinates is None:
        waiting = fig_message(COMPUTING, height=520)
        return (
            no_update
            if polled
            else _map(projection.coordinates["tsne"], wrong, run_name, "pixel t-SNE"),
            waiting,
            COMPUTING,
            False,
        )
    pixel = (
        no_update
        if polled
        else _map(projection.coordinates["tsne"], wrong, run_name, "pixel t-SNE")
    )
    return pixel, _map(coordinates, wrong, run_name, "feature t-SNE"), "", True


def _map(coordinates: np.ndarray, wrong: np.ndarray, run_name: str, method: str):
    projection = current().projection
    return fig_projection(
        coordinates,
        projection.labels,
        projection.indices,
        method=method,
        wrong=wrong,
        run_name=run_name,
    )
