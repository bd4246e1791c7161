"""The what-if chart: each digit's probability across each transform's whole range."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import DIGIT_COLORS, styled


def fig_sweep(values: Mapping[str, np.ndarray], probabilities: Mapping[str, np.ndarray],
              labels: Mapping[str, str], current: Mapping[str, float]) -> go.Figure:
    """One panel per setting: the ten probabilities (points, 10) against its `values` (points,), a dotted line at
    its `current` value; one legend entry per digit."""
    names = list(values)
    if not names or set(names) != set(probabilities) or not set(names) <= set(labels):
        raise ValueError(f"values, probabilities and labels must name the same settings, got {names}, "
                         f"{list(probabilities)} and {list(labels)}")
    figure = make_subplots(rows=1, cols=len(names), shared_yaxes=True, horizontal_spacing=0.02,
                           subplot_titles=[labels[name] for name in names])
    for col, name in enumerate(names, 1):
        x, table = np.asarray(values[name], float), np.asarray(probabilities[name], float)
        if table.shape != (len(x), 10):
            raise ValueError(f"probabilities[{name!r}] must have shape ({len(x)}, 10), got {table.shape}")
        for digit in range(10):
            figure.add_scatter(x=x, y=table[:, digit], mode="lines", name=str(digit), legendgroup=str(digit),
                               showlegend=col == 1, line={"color": DIGIT_COLORS[digit], "width": 2},
                               hovertemplate=f"{labels[name]} %{{x:g}}<br>digit {digit}: %{{y:.1%}}<extra></extra>",
                               row=1, col=col)
        if name in current:
            figure.add_vline(x=current[name], line={"dash": "dot", "color": "#1f2933", "width": 1}, row=1, col=col)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", fixedrange=True)
    figure.update_yaxes(title="probability", row=1, col=1)
    figure.update_xaxes(fixedrange=True)
    figure.update_layout(legend={"title": {"text": "digit "}}, hovermode="x unified")
    return styled(figure, height=300)
