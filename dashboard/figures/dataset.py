"""Figures of the Dataset page: label distribution, per-class pixel grids, 2-D projection."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import DIGIT_COLORS, TRAIN, VALIDATION, styled

GRID_COLUMNS = 6
GAP = 3  # pixels between images in a grid
TITLE_SPACE = 6  # pixels above each image for its title


def fig_label_distribution(train_counts: Sequence[int], test_counts: Sequence[int]) -> go.Figure:
    """Share of each digit in the training and test sets, with the counts on the bars and in the
    hover."""
    figure = go.Figure()
    for name, given, color in (("train", train_counts, TRAIN), ("test", test_counts, VALIDATION)):
        counts = np.asarray(given, dtype=int)
        if counts.shape != (10,) or counts.sum() == 0:
            raise ValueError(
                f"{name}_counts must be 10 counts with a positive total, got {counts.tolist()}"
            )
        share = counts / counts.sum()
        figure.add_bar(
            x=list(range(10)),
            y=share,
            name=f"{name} ({counts.sum():,} images)",
            marker_color=color,
            # plain lists: plotly.js leaves typed customdata out of events and hovers
            customdata=counts.tolist(),
            text=[f"{c:,}" for c in counts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{name}, digit %{{x}}: %{{customdata:,}} images "
            f"(%{{y:.2%}})<extra></extra>",
        )
    figure.update_xaxes(title="digit", tickmode="linear", dtick=1)
    figure.update_yaxes(title="share of the set", tickformat=".0%", rangemode="tozero")
    figure.update_layout(barmode="group", bargap=0.25)
    return styled(figure, height=340)


def _grid_cells(
    images: np.ndarray, titles: Sequence[str], value_name: str
) -> tuple[list[go.Heatmap], list[dict]]:
    """One heatmap per image at its place in the grid (offset by `x0`/`y0`), and its title above
    it."""
    height, width = images.shape[1:]
    step_x, step_y = width + GAP, height + GAP + TITLE_SPACE
    traces, annotations = [], []
    for position, (image, title) in enumerate(zip(images, titles, strict=False)):
        x0, y0 = position % GRID_COLUMNS * step_x, position // GRID_COLUMNS * step_y
        traces.append(
            go.Heatmap(
                z=image,
                x0=x0,
                y0=y0,
                coloraxis="coloraxis",
                name=title,
                hovertemplate=f"{title}<br>{value_name} %{{z:.3f}}<extra></extra>",
            )
        )
        annotations.append(
            {
                "text": title,
                "x": x0 + (width - 1) / 2,
                "y": y0 - 1,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    return traces, annotations


def _grid_axes(figure: go.Figure, shape: tuple[int, ...], rows: int) -> None:
    """Hide the axes and fit them to `rows` rows of images of `shape` (k, h, w), square pixels."""
    height, width = shape[1:]
    step_x, step_y = width + GAP, height + GAP + TITLE_SPACE
    figure.update_xaxes(visible=False, range=[-1, GRID_COLUMNS * step_x - GAP], constrain="domain")
    figure.update_yaxes(
        visible=False,
        range=[rows * step_y - GAP - TITLE_SPACE, -TITLE_SPACE - 1],
        scaleanchor="x",
        constrain="domain",
    )


def fig_digit_grid(
    images: np.ndarray, titles: Sequence[str], *, value_name: str, colorscale: str = "Greys"
) -> go.Figure:
    """The images (k, h, w) side by side in rows of six on one color scale, with a colorbar named
    `value_name`.

    One heatmap trace per image on a single pair of axes (offset by `x0`/`y0`): far lighter to
    build and to draw than one subplot per image.
    """
    images = np.asarray(images, dtype=np.float32)  # half the bytes of float64 on the wire
    if images.ndim != 3 or len(titles) != len(images):
        raise ValueError(
            f"images must be (k, h, w) with one title each, got {images.shape} and {len(titles)} "
            "titles"
        )
    traces, annotations = _grid_cells(images, titles, value_name)
    figure = go.Figure(traces, layout={"annotations": annotations})
    rows = -(-len(images) // GRID_COLUMNS)
    _grid_axes(figure, images.shape, rows)
    figure.update_layout(
        coloraxis={
            "colorscale": colorscale,
            "cmin": 0,
            "cmax": float(np.nanmax(images)) or 1.0,
            "colorbar": {"title": {"text": value_name, "side": "right"}, "thickness": 12},
        },
        plot_bgcolor="white",
    )
    return styled(figure, height=185 * rows + 40)


def _check_points(coordinates: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> None:
    """`ValueError` unless `coordinates` is (n, 2) with n labels and n indices."""
    if coordinates.shape != (len(labels), 2) or len(indices) != len(labels):
        raise ValueError(
            f"coordinates must be (n, 2) with n labels and n indices, got {coordinates.shape}, "
            f"{labels.shape}, {indices.shape}"
        )


def _add_digits(
    figure: go.Figure, coordinates: np.ndarray, labels: np.ndarray, indices: np.ndarray
) -> None:
    """One scatter trace per digit, each point's test index in its `customdata`."""
    for digit in range(10):
        mask = labels == digit
        figure.add_scatter(
            x=coordinates[mask, 0],
            y=coordinates[mask, 1],
            mode="markers",
            name=str(digit),
            marker={"size": 5, "color": DIGIT_COLORS[digit], "opacity": 0.8},
            customdata=indices[mask].tolist(),
            hovertemplate=f"digit {digit}<br>test image %{{customdata}}<extra></extra>",
        )


def _add_rings(
    figure: go.Figure,
    coordinates: np.ndarray,
    indices: np.ndarray,
    wrong: np.ndarray,
    run_name: str | None,
) -> None:
    """Open rings around the points under the boolean mask `wrong`: run `run_name`'s mistakes."""
    figure.add_scatter(
        x=coordinates[wrong, 0],
        y=coordinates[wrong, 1],
        mode="markers",
        name=f"misclassified by {run_name}" if run_name else "misclassified",
        marker={
            "size": 10,
            "symbol": "circle-open",
            "color": "#1f2933",
            "line": {"width": 1.5},
        },
        customdata=indices[wrong].tolist(),
        hovertemplate="misclassified<br>test image %{customdata}<extra></extra>",
    )


def fig_projection(
    coordinates: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    *,
    method: str,
    wrong: np.ndarray | None = None,
    run_name: str | None = None,
) -> go.Figure:
    """Scatter of 2-D `coordinates` (n, 2) colored by digit; `customdata` holds each test index.

    `wrong`, a boolean mask, rings the images that run `run_name` misclassifies.
    """
    coordinates = np.asarray(coordinates)
    labels = np.asarray(labels)
    indices = np.asarray(indices)
    _check_points(coordinates, labels, indices)
    figure = go.Figure()
    _add_digits(figure, coordinates, labels, indices)
    if wrong is not None and np.any(wrong):
        _add_rings(figure, coordinates, indices, np.asarray(wrong, dtype=bool), run_name)
    figure.update_xaxes(title=f"{method} 1", showticklabels=False, zeroline=False)
    figure.update_yaxes(title=f"{method} 2", showticklabels=False, zeroline=False)
    figure.update_layout(
        legend={"title": {"text": "digit "}, "itemsizing": "constant"},
        hovermode="closest",
        clickmode="event",
    )
    return styled(figure, height=520)
