"""Dataset page: label balance, mean digits, pixel variance, class galleries and a 2-D map of test
images."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, clientside_callback, ctx, dcc, html

from dashboard import ids
from dashboard.components import card, gallery, graph, query_notice, tile
from dashboard.figures.dataset import fig_digit_grid, fig_label_distribution, fig_projection
from dashboard.figures.images import png_data_url
from dashboard.query import messages, query_int
from dashboard.service import current
from dashboard.validation import check_choice, check_clicks, check_int, check_run, point_of
from model.dataset.statistics import DatasetStatistics

dash.register_page(
    __name__, path="/dataset", name="Dataset", title="Dataset · MNIST Explorer", order=10
)

GRID_TITLES = [f"digit {digit}" for digit in range(10)] + ["all digits"]
SPREADS = {"variance": "pixel variance", "std": "pixel standard deviation"}
METHODS = {"tsne": "t-SNE", "pca": "PCA"}


def layout(digit: str | None = None, **_query) -> html.Div:
    """The Dataset page, its gallery on `digit` (a query parameter); figures that depend on no
    choice built here."""
    asked_digit = query_int(digit, "digit", low=0, high=9, fallback=0)
    service = current()
    stats = service.statistics
    return html.Div(
        [
            html.H1("Dataset"),
            query_notice(messages(asked_digit)),
            _labels_card(stats),
            _means_card(stats),
            _spread_card(),
            _gallery_card(asked_digit.value),
            _projection_card(service.settings.projection_size),
        ]
    )


def _labels_card(stats: DatasetStatistics) -> html.Section:
    """The share of each digit in the training and test sets."""
    return card(
        "Label distribution",
        graph(ids.DATASET_LABELS, fig_label_distribution(stats.train_counts, stats.test_counts)),
        note="Share of each digit in the training and test sets; counts on the bars and in "
        "the hover.",
    )


def _means_card(stats: DatasetStatistics) -> html.Section:
    """The mean image of each class and of all."""
    return card(
        "The average digit",
        html.Div(
            graph(
                ids.DATASET_MEANS,
                fig_digit_grid(stats.mean, GRID_TITLES, value_name="mean"),
                className="small-multiples",
            ),
            className="scroll-x",
        ),
        note="Mean intensity of every pixel over the 60,000 training images, per class and "
        "overall: the darker, the more often that pixel is inked.",
    )


def _spread_card() -> html.Section:
    """The pixel-wise spread per class, its statistic chosen by a radio (drawn by `show_spread`)."""
    return card(
        "Where digits vary",
        dcc.RadioItems(
            id=ids.DATASET_SPREAD_STAT,
            options=[{"label": v, "value": k} for k, v in SPREADS.items()],
            value="variance",
            inline=True,
            className="radio",
        ),
        html.Div(graph(ids.DATASET_SPREAD, className="small-multiples"), className="scroll-x"),
        note="Pixel-wise spread over the training images, per class and overall: bright "
        "pixels differ most between writers.",
    )


def _gallery_card(digit: object) -> html.Section:
    """Random training images of `digit` (0-9; filled by `show_gallery`), with a button for more."""
    return card(
        "Samples of a class",
        html.Div(
            [
                dcc.Dropdown(
                    id=ids.DATASET_GALLERY_DIGIT,
                    options=list(range(10)),
                    value=digit,
                    clearable=False,
                    searchable=False,
                    className="digit-select",
                ),
                html.Button(
                    "New samples", id=ids.DATASET_GALLERY_MORE, n_clicks=0, className="button"
                ),
            ],
            className="controls",
        ),
        dcc.Loading(html.Div(id=ids.DATASET_GALLERY), delay_show=300),
        note="Random training images of the chosen digit.",
    )


def _projection_card(size: int) -> html.Section:
    """The map of `size` test images by PCA or t-SNE (drawn by `show_projection`), and the point
    panel."""
    return card(
        f"A map of {size:,} test images",
        dcc.RadioItems(
            id=ids.DATASET_PROJECTION_METHOD,
            options=[{"label": v, "value": k} for k, v in METHODS.items()],
            value="tsne",
            inline=True,
            className="radio",
        ),
        html.Div(
            [
                html.Div(graph(ids.DATASET_PROJECTION), className="grow"),
                html.Div(id=ids.DATASET_POINT, className="point-panel"),
            ],
            className="split",
        ),
        note="Each dot is a test image placed by PCA or t-SNE of its pixels, colored by "
        "its label; rings mark the selected model's mistakes. Hover or click a dot to see the "
        "image.",
    )


# The gallery's digit goes into the URL (`?digit=`), so that the address is a link to this view.
clientside_callback(
    "(digit) => window.mnistQuery({digit: digit})", Input(ids.DATASET_GALLERY_DIGIT, "value")
)


@callback(Output(ids.DATASET_SPREAD, "figure"), Input(ids.DATASET_SPREAD_STAT, "value"))
def show_spread(statistic: str):
    """The variance or standard deviation heatmaps, per class and overall."""
    statistic = check_choice(statistic, "statistic", list(SPREADS))
    stats = current().statistics
    values = stats.std if statistic == "std" else stats.variance
    return fig_digit_grid(
        values,
        GRID_TITLES,
        value_name=SPREADS.get(statistic, SPREADS["variance"]).split()[-1],
        colorscale="Viridis",
    )


@callback(
    Output(ids.DATASET_GALLERY, "children"),
    Input(ids.DATASET_GALLERY_DIGIT, "value"),
    Input(ids.DATASET_GALLERY_MORE, "n_clicks"),
)
def show_gallery(digit: int, clicks: int) -> html.Div:
    """A fresh sample of training images of `digit`; each click of the button draws another."""
    digit, clicks = check_int(digit, "digit", 0, 9), check_clicks(clicks)
    service = current()
    images = service.mnist.x_train
    return gallery(
        [
            tile(images[i], [f"train #{i}"])
            for i in service.class_sample(int(digit), int(clicks or 0))
        ]
    )


@callback(
    Output(ids.DATASET_PROJECTION, "figure"),
    Input(ids.DATASET_PROJECTION_METHOD, "value"),
    Input(ids.RUN_SELECT, "value"),
)
def show_projection(method: str, run_name: str):
    """The projection by `method`, with the selected run's mistakes ringed."""
    method, run_name = check_choice(method, "method", list(METHODS)), check_run(run_name)
    service = current()
    projection = service.projection
    predicted = service.predictions(run_name).predicted[projection.indices]
    return fig_projection(
        projection.coordinates[method],
        projection.labels,
        projection.indices,
        method=METHODS[method],
        wrong=predicted != projection.labels,
        run_name=run_name,
    )


@callback(
    Output(ids.DATASET_POINT, "children"),
    Input(ids.DATASET_PROJECTION, "hoverData"),
    Input(ids.DATASET_PROJECTION, "clickData"),
    Input(ids.RUN_SELECT, "value"),
)
def show_point(hover: dict | None, click: dict | None, run_name: str) -> list:
    """The image under the pointer, or the one clicked last when the pointer left or the run
    changed."""
    hover, click, run_name = (
        point_of(hover, "hoverData"),
        point_of(click, "clickData"),
        check_run(run_name),
    )
    triggered = next(iter(ctx.triggered_prop_ids), "")
    point = (
        hover
        if triggered.endswith("hoverData")
        else click
        if triggered.endswith("clickData")
        else click or hover
    )
    if not point:
        return [html.P("Hover over or click a dot to see its image.", className="note")]
    customdata = point.get("customdata")
    customdata = customdata[0] if isinstance(customdata, list) and customdata else customdata
    return point_panel(check_int(customdata, "point", 0, len(current().mnist.y_test) - 1), run_name)


def point_panel(index: int, run_name: str) -> list:
    """Test image `index` large, its label and the answer of run `run_name`."""
    service = current()
    predictions = service.predictions(run_name)
    label, predicted = int(predictions.labels[index]), int(predictions.predicted[index])
    verdict = "right" if label == predicted else "wrong"
    return [
        html.Img(
            src=png_data_url(service.mnist.x_test[index]),
            alt=f"test image {index}",
            className="big-digit",
        ),
        html.P([html.Strong(f"Test image #{index}"), f" · label {label}"]),
        html.P(
            f"{run_name} predicts {predicted} ({predictions.confidence[index]:.1%}): {verdict}",
            className=verdict,
        ),
    ]
