"""The what-if chart: each digit's probability across each transform's whole range."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import DIGIT_COLORS, styled

GAP = 0.02  # share of the width between panels


def _panel_axes(count: int) -> dict:
    """One x axis per panel side by side (x, x2, ...), all over the one shared y axis; plain layout,
    no make_subplots
    (which, with per-trace rows and columns, takes most of a second on a loaded machine)."""
    width = (1 - GAP * (count - 1)) / count
    axes = {}
    for number in range(count):
        start = number * (width + GAP)
        axes[f"xaxis{number + 1 if number else ''}"] = {
            "domain": [start, start + width],
            "anchor": "y",
            "fixedrange": True,
        }
    return axes


def fig_sweep(
    values: Mapping[str, np.ndarray],
    probabilities: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
    current: Mapping[str, float],
    *,
    described: str | None = None,
) -> go.Figure:
    """One panel per setting: the ten probabilities (points, 10) against its `values` (points,), a
    dotted line at
    its `current` value; one legend entry per digit, after what the probabilities are
    (`described`)."""
    names = list(values)
    if not names or set(names) != set(probabilities) or not set(names) <= set(labels):
        raise ValueError(
            f"values, probabilities and labels must name the same settings, got {names}, "
            f"{list(probabilities)} and {list(labels)}"
        )
    axes = _panel_axes(len(names))
    traces, shapes, titles = [], [], []
    for number, name in enumerate(names):
        x, table = np.asarray(values[name], float), np.asarray(probabilities[name], float)
        if table.shape != (len(x), 10):
            raise ValueError(
                f"probabilities[{name!r}] must have shape ({len(x)}, 10), got {table.shape}"
            )
        axis = f"x{number + 1 if number else ''}"
        traces += [
            {
                "type": "scatter",
                "x": x,
                "y": np.round(table[:, digit], 4),
                "xaxis": axis,
                "yaxis": "y",
                "mode": "lines",
                "name": str(digit),
                "legendgroup": str(digit),
                "showlegend": number == 0,
                "line": {"color": DIGIT_COLORS[digit], "width": 2},
                "hovertemplate": f"{labels[name]} %{{x:g}}<br>digit {digit}: "
                f"%{{y:.1%}}<extra></extra>",
            }
            for digit in range(10)
        ]
        domain = axes[f"xaxis{number + 1 if number else ''}"]["domain"]
        titles.append(
            {
                "text": labels[name],
                "x": sum(domain) / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
        if name in current:
            shapes.append(
                {
                    "type": "line",
                    "xref": axis,
                    "yref": "paper",
                    "x0": current[name],
                    "x1": current[name],
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dot", "color": "#1f2933", "width": 1},
                }
            )
    layout = {
        **axes,
        "yaxis": {
            "range": [0, 1.02],
            "tickformat": ".0%",
            "fixedrange": True,
            "title": "probability",
        },
        "shapes": shapes,
        "annotations": titles,
        "legend": {"title": {"text": f"{described} · digit " if described else "digit "}},
        "hovermode": "x unified",
    }
    figure = styled(go.Figure({"data": traces, "layout": layout}), height=300)
    figure.update_layout(margin={"t": 60})
    return figure
