"""Saliency heatmaps laid over their digits, side by side, with one shared colorbar."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import styled

# The digit as dark ink on white paper, so the heat colours stand out.
PAPER = [[0.0, "#ffffff"], [1.0, "#3e4c59"]]
# Blue where a pixel speaks against the class, red where it speaks for it, clear near zero.
HEAT = [
    [0.0, "rgba(33, 102, 172, 0.95)"],
    [0.35, "rgba(103, 169, 207, 0.55)"],
    [0.5, "rgba(255, 255, 255, 0)"],
    [0.65, "rgba(239, 138, 98, 0.55)"],
    [1.0, "rgba(178, 24, 43, 0.95)"],
]
PANEL_SIZE = 230  # pixels per panel, so that one or five panels stay square


def _check_panels(
    images: Sequence[np.ndarray], heatmaps: Sequence[np.ndarray], titles: Sequence[str]
) -> None:
    """`ValueError` unless there are as many 2-D images, heatmaps in [-1, 1] of the same shape, and
    titles."""
    if not images or not len(images) == len(heatmaps) == len(titles):
        raise ValueError(
            f"need as many images, heatmaps and titles, at least one; got "
            f"{len(images)}, {len(heatmaps)} and {len(titles)}"
        )
    for number, (image, heatmap) in enumerate(zip(images, heatmaps, strict=False)):
        image, heatmap = np.asarray(image), np.asarray(heatmap)
        if image.ndim != 2 or image.shape != heatmap.shape:
            raise ValueError(
                f"panel {number}: image and heatmap must be 2-D of one shape, "
                f"got {image.shape} and {heatmap.shape}"
            )
        if not np.isfinite(heatmap).all() or np.abs(heatmap).max() > 1.0 + 1e-6:
            raise ValueError(
                f"panel {number}: heatmap values must be in [-1, 1] (see "
                "model.insight.saliency.normalize_heatmap)"
            )


def _digit_trace(image: np.ndarray) -> go.Heatmap:
    """The digit as dark ink on white paper, under its heatmap."""
    return go.Heatmap(
        z=np.asarray(image, float),
        zmin=0,
        zmax=1,
        colorscale=PAPER,
        showscale=False,
        hoverinfo="skip",
    )


def _heat_trace(heatmap: np.ndarray, *, scale: bool) -> go.Heatmap:
    """A normalized heatmap ([-1, 1]) clear near zero; `scale` shows the one shared colour bar."""
    return go.Heatmap(
        z=np.round(np.asarray(heatmap, float), 3),
        zmin=-1,
        zmax=1,
        colorscale=HEAT,
        showscale=scale,
        colorbar={
            "title": {"text": "for the class →", "side": "right"},
            "tickvals": [-1, 0, 1],
            "ticktext": ["against", "0", "for"],
            "thickness": 12,
            "len": 0.9,
        },
        hovertemplate="row %{y}, column %{x}<br>attribution %{z:.2f}<extra></extra>",
    )


def _square_panels(figure: go.Figure, count: int) -> None:
    """Hide the axes of `count` panels and keep their pixels square, the first row on top."""
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", constrain="domain")
    for number in range(count):
        suffix = "" if number == 0 else str(number + 1)
        figure.update_layout({f"yaxis{suffix}": {"scaleanchor": f"x{suffix}", "scaleratio": 1}})


def fig_saliency(
    images: Sequence[np.ndarray],
    heatmaps: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    columns: int = 5,
) -> go.Figure:
    """Each normalized heatmap ([-1, 1]) over its image (pixels in [0, 1]), `columns` panels a row.

    Red marks pixels that raise the class score, blue ones that lower it (signed methods only);
    one colorbar serves all panels since every heatmap is on the same scale.
    """
    _check_panels(images, heatmaps, titles)
    count = len(images)
    cols = min(columns, count)
    rows = -(-count // cols)
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        horizontal_spacing=0.03,
        vertical_spacing=0.12 / rows,
    )
    for number, (image, heatmap) in enumerate(zip(images, heatmaps, strict=False)):
        row, col = number // cols + 1, number % cols + 1
        figure.add_trace(_digit_trace(image), row=row, col=col)
        figure.add_trace(_heat_trace(heatmap, scale=number == 0), row=row, col=col)
    _square_panels(figure, count)
    figure = styled(figure, height=PANEL_SIZE * rows + 50)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white")
    return figure
