"""Figures of the Network page: feature maps per layer, first-layer filters, strongest hidden
units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import DIGIT_COLORS, styled

MOSAIC_COLUMNS = 16  # channels per row of a layer's mosaic
GAP = 1  # blank pixels between channels
ROW_PIXELS = 900  # the figure's drawing width that one mosaic row spans
DIVERGING = "RdBu_r"


def mosaic(maps: np.ndarray, *, columns: int = MOSAIC_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """Channels (c, h, w) tiled `columns` a row with NaN gaps, and the channel number of every cell
    (-1 in gaps)."""
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3 or not maps.size:
        raise ValueError(f"maps must have shape (channels, height, width), got {maps.shape}")
    count, height, width = maps.shape
    cols = min(columns, count)
    rows = -(-count // cols)
    tiled = np.full((rows * (height + GAP) - GAP, cols * (width + GAP) - GAP), np.nan, np.float32)
    channel = np.full(tiled.shape, -1, np.int32)
    for position in range(count):
        top, left = position // cols * (height + GAP), position % cols * (width + GAP)
        tiled[top : top + height, left : left + width] = maps[position]
        channel[top : top + height, left : left + width] = position
    return tiled, channel


def _layer_mosaics(
    layers: Sequence[tuple[str, np.ndarray]], orders: Sequence[np.ndarray]
) -> list[tuple[str, tuple, np.ndarray, np.ndarray]]:
    """Per layer: its name, the shape of its maps, the mosaic of its channels in its order, and
    each cell's channel number (-1 in gaps)."""
    tiles = []
    for (name, maps), order in zip(layers, orders, strict=False):
        channels = np.moveaxis(np.asarray(maps, np.float32), -1, 0)[np.asarray(order)]
        tiled, channel = mosaic(channels)
        tiles.append(
            (name, maps.shape, tiled, np.where(channel >= 0, np.asarray(order)[channel], -1))
        )
    return tiles


def _mosaic_trace(name: str, tiled: np.ndarray, channel: np.ndarray, *, scale: bool) -> go.Heatmap:
    """A layer's mosaic scaled to its own maximum, the hover naming the channel; `scale` shows the
    colour bar."""
    top = np.nanmax(tiled) if np.isfinite(tiled).any() else 1.0
    return go.Heatmap(
        z=np.round(tiled / (top or 1.0), 3),
        customdata=channel,
        zmin=0,
        zmax=1,
        colorscale="Viridis",
        showscale=scale,
        colorbar={
            "title": {"text": "activation / layer max", "side": "right"},
            "thickness": 12,
        },
        hovertemplate=f"{name}<br>channel %{{customdata}}<br>%{{z:.2f}} of the layer's "
        "maximum<extra></extra>",
    )


def _square_rows(figure: go.Figure, rows: int) -> None:
    """Hide the axes of `rows` stacked panels and keep their pixels square, top row first."""
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    for row in range(2, rows + 1):
        figure.update_layout({f"yaxis{row}": {"scaleanchor": f"x{row}"}})


def fig_feature_maps(
    layers: Sequence[tuple[str, np.ndarray]], orders: Sequence[np.ndarray]
) -> go.Figure:
    """Each layer's feature maps (h, w, c) as a mosaic of its channels in `orders` (strongest
    first), one row each.

    Each layer is scaled to its own maximum; the hover names the channel and its value.
    """
    if not layers or len(layers) != len(orders):
        raise ValueError(
            f"need at least one layer and one channel order per layer, got {len(layers)} and "
            f"{len(orders)}"
        )
    tiles = _layer_mosaics(layers, orders)
    heights = [
        tiled.shape[0] * ROW_PIXELS / tiled.shape[1] if tiled.shape[1] else 0
        for *_, tiled, _ in tiles
    ]
    titles = [
        f"{name} · {' × '.join(map(str, shape))} (height × width × channels), strongest first"
        for name, shape, *_ in tiles
    ]
    figure = make_subplots(
        rows=len(tiles),
        cols=1,
        subplot_titles=titles,
        row_heights=heights,
        vertical_spacing=min(0.08, 0.3 / len(tiles)),
    )
    for row, (name, _shape, tiled, channel) in enumerate(tiles, 1):
        figure.add_trace(_mosaic_trace(name, tiled, channel, scale=row == 1), row=row, col=1)
    _square_rows(figure, len(tiles))
    figure = styled(figure, height=int(sum(heights) + 60 * len(tiles) + 40))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white")
    return figure


def fig_filters(filters: np.ndarray, *, layer: str) -> go.Figure:
    """The first layer's kernels (n, k, k) as a mosaic on one diverging scale centred on zero."""
    filters = np.asarray(filters, np.float32)
    tiled, channel = mosaic(filters)
    limit = float(np.nanmax(np.abs(tiled))) or 1.0
    figure = go.Figure(
        go.Heatmap(
            z=np.round(tiled, 4),
            customdata=channel,
            zmin=-limit,
            zmax=limit,
            colorscale=DIVERGING,
            colorbar={"title": {"text": "weight", "side": "right"}, "thickness": 12},
            hovertemplate=f"{layer}<br>filter %{{customdata}}<br>weight %{{z:.3f}}<extra></extra>",
        )
    )
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    rows = tiled.shape[0] / (filters.shape[1] + GAP)
    figure = styled(figure, height=int(max(120, 70 * rows) + 40))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white")
    return figure


def fig_units(
    values: np.ndarray, units: np.ndarray, classes: np.ndarray, *, layer: str
) -> go.Figure:
    """The strongest hidden units: their activation, each bar coloured by the digit its weights
    favour most."""
    values, units, classes = np.asarray(values, float), np.asarray(units), np.asarray(classes)
    if not len(values) == len(units) == len(classes):
        raise ValueError(
            f"values, units and classes must have one length, got {len(values)}, {len(units)}, "
            f"{len(classes)}"
        )
    figure = go.Figure(
        go.Bar(
            x=values[::-1],
            y=[f"unit {u}" for u in units[::-1]],
            orientation="h",
            marker_color=[DIGIT_COLORS[int(c)] for c in classes[::-1]],
            customdata=classes[::-1].tolist(),
            hovertemplate="%{y}: %{x:.3f}<br>its weights favour digit %{customdata}<extra></extra>",
        )
    )
    figure.update_xaxes(title=f"activation of {layer}", rangemode="tozero")
    figure.update_yaxes(fixedrange=True)
    figure = styled(figure, height=24 * len(values) + 80)
    figure.update_layout(margin={"l": 80, "r": 20, "t": 10, "b": 40})
    return figure
