"""Figures of the Errors page: the confusion matrix and per-class precision, recall and F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import CORRECT, DIGIT_COLORS, styled

SCORES = ("precision", "recall", "f1")


def fig_confusion_matrix(matrix: Sequence[Sequence[int]], *, normalized: bool = False) -> go.Figure:
    """The confusion matrix (rows true, columns predicted), as counts or shares of each true class.

    The diagonal (correct answers) is a separate green trace so that the errors get a color
    scale of their own; a click on any cell reports `x` = predicted and `y` = true digit.
    """
    counts = np.asarray(matrix, dtype=float)
    if counts.shape != (10, 10):
        raise ValueError(f"matrix must be 10x10, got shape {counts.shape}")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    values = shares if normalized else counts
    text = [[f"{v:.1%}" if normalized else f"{int(v):,}" for v in row] for row in values]
    diagonal = np.eye(10, dtype=bool)
    hover = "true %{y}, predicted %{x}<br>%{customdata[0]:,} images (%{customdata[1]:.1%} of true %{y})<extra></extra>"
    customdata = np.stack([counts, shares], axis=-1)
    figure = go.Figure()
    for mask, colorscale, name in ((~diagonal, "Reds", "errors"), (diagonal, [[0, "#d9f0de"], [1, CORRECT]], "correct")):
        figure.add_heatmap(
            z=np.where(mask, values, np.nan), x=list(range(10)), y=list(range(10)), name=name,
            text=np.where(mask, text, ""), texttemplate="%{text}", textfont={"size": 11},
            colorscale=colorscale, showscale=name == "errors", hoverongaps=False,
            customdata=customdata.tolist(), hovertemplate=hover, xgap=1, ygap=1,
            colorbar={"title": {"text": "share" if normalized else "errors"}, "thickness": 12,
                      "tickformat": ".0%" if normalized else ",d"},
        )
    figure.update_xaxes(title="predicted digit", tickmode="linear", dtick=1, side="top", fixedrange=True,
                        range=[-0.5, 9.5], constrain="domain")
    figure.update_yaxes(title="true digit", tickmode="linear", dtick=1, range=[9.5, -0.5], fixedrange=True,
                        scaleanchor="x", constrain="domain")
    figure.update_layout(plot_bgcolor="white")
    return styled(figure, height=520)


def fig_class_scores(per_class: Sequence[dict]) -> go.Figure:
    """Grouped bars of precision, recall and F1 for each digit."""
    if len(per_class) != 10:
        raise ValueError(f"per_class must have one entry per digit, got {len(per_class)}")
    figure = go.Figure()
    for position, score in enumerate(SCORES):
        values = [float(entry[score]) for entry in per_class]
        figure.add_bar(
            x=[int(entry["digit"]) for entry in per_class], y=values, name=score if score != "f1" else "F1",
            marker_color=DIGIT_COLORS[position], hovertemplate=f"digit %{{x}}: {score} %{{y:.2%}}<extra></extra>",
        )
    low = min(float(entry[score]) for entry in per_class for score in SCORES)
    figure.update_xaxes(title="digit", tickmode="linear", dtick=1)
    figure.update_yaxes(title="score", tickformat=".0%", range=[max(0.0, low - 0.05), 1.0])
    figure.update_layout(barmode="group", bargap=0.2)
    return styled(figure, height=340)
