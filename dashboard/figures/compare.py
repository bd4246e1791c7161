"""Figures of the Compare page: the two accuracies with intervals, the confusion-matrix difference,
per-class changes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import CORRECT, DIGIT_COLORS, WRONG, styled


def fig_accuracy_intervals(
    names: tuple[str, str],
    accuracy: tuple[float, float],
    intervals: tuple[tuple[float, float], tuple[float, float]],
) -> go.Figure:
    """Each model's test accuracy as a dot with its 95% interval as a horizontal bar."""
    figure = go.Figure()
    for position, (name, value, (low, high)) in enumerate(
        zip(names, accuracy, intervals, strict=False)
    ):
        figure.add_scatter(
            x=[value],
            y=[f"{'AB'[position]}: {name}"],
            mode="markers",
            marker={"size": 12, "color": DIGIT_COLORS[position]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [high - value],
                "arrayminus": [value - low],
                "thickness": 3,
                "width": 8,
                "color": DIGIT_COLORS[position],
            },
            name=name,
            showlegend=False,
            hovertemplate=f"{name}: %{{x:.2%}} (95% interval {low:.2%} to "
            f"{high:.2%})<extra></extra>",
        )
    low = min(i[0] for i in intervals)
    high = max(i[1] for i in intervals)
    pad = max(0.002, (high - low) * 0.3)
    figure.update_xaxes(
        title="test accuracy with 95% Wilson interval",
        tickformat=".2%",
        range=[low - pad, min(1.0, high + pad)],
    )
    figure.update_yaxes(autorange="reversed")
    return styled(figure, height=200)


def fig_confusion_difference(difference: np.ndarray, names: tuple[str, str]) -> go.Figure:
    """B's confusion matrix minus A's: off the diagonal red = B makes more of that error, green =
    fewer."""
    difference = np.asarray(difference, dtype=int)
    if difference.shape != (10, 10):
        raise ValueError(f"difference must be 10x10, got shape {difference.shape}")
    # Good for B: more on the diagonal, fewer off it. Colour by that, show the raw difference.
    goodness = np.where(np.eye(10, dtype=bool), difference, -difference).astype(float)
    limit = max(1.0, float(np.abs(goodness).max()))
    text = [[f"{v:+d}" if v else "" for v in row] for row in difference]
    figure = go.Figure(
        go.Heatmap(
            z=goodness,
            x=list(range(10)),
            y=list(range(10)),
            zmin=-limit,
            zmax=limit,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, WRONG], [0.5, "#ffffff"], [1, CORRECT]],
            customdata=difference,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": f"better for {names[1]}"}, "thickness": 12},
            hovertemplate=f"true %{{y}}, predicted %{{x}}: {names[1]} has %{{customdata:+d}} "
            f"images vs {names[0]}<extra></extra>",
        )
    )
    figure.update_xaxes(
        title="predicted digit",
        tickmode="linear",
        dtick=1,
        side="top",
        fixedrange=True,
        constrain="domain",
    )
    figure.update_yaxes(
        title="true digit",
        tickmode="linear",
        dtick=1,
        autorange="reversed",
        fixedrange=True,
        scaleanchor="x",
        constrain="domain",
    )
    figure.update_layout(plot_bgcolor="white")
    return styled(figure, height=480)


def fig_class_differences(
    precision: np.ndarray, recall: np.ndarray, names: tuple[str, str]
) -> go.Figure:
    """Per-digit change from A to B in precision and recall, in percentage points (B minus A)."""
    precision, recall = np.asarray(precision, float), np.asarray(recall, float)
    if precision.shape != (2, 10) or recall.shape != (2, 10):
        raise ValueError(
            f"precision and recall must have shape (2, 10), got {precision.shape} and "
            f"{recall.shape}"
        )
    figure = go.Figure()
    for position, (label, values) in enumerate((("precision", precision), ("recall", recall))):
        change = values[1] - values[0]
        figure.add_bar(
            x=list(range(10)),
            y=change * 100,
            name=label,
            marker_color=DIGIT_COLORS[position],
            customdata=np.stack([values[0], values[1]], axis=-1),
            hovertemplate=f"digit %{{x}} {label}: {names[0]} %{{customdata[0]:.2%}} → {names[1]} "
            f"%{{customdata[1]:.2%}} (%{{y:+.2f}} points)<extra></extra>",
        )
    figure.update_xaxes(title="digit", tickmode="linear", dtick=1)
    figure.update_yaxes(
        title=f"{names[1]} minus {names[0]} (percentage points)", zeroline=True, zerolinewidth=2
    )
    figure.update_layout(barmode="group", bargap=0.2)
    return styled(figure, height=340)
