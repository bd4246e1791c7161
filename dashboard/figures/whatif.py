"""The what-if chart: each digit's probability across each transform's whole range."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import DIGIT_COLORS, styled

GAP = 0.02  # share of the width between panels


def _panel_axes(count: int) -> dict:
    """One x axis per panel side by side (x, x2, ...), all over the one shared y axis; plain layout,
    no make_subplots (which, with per-trace rows and columns, takes most of a second on a loaded
    machine)."""
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


def _check_sweep(
    values: Mapping[str, np.ndarray],
    probabilities: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
) -> None:
    """`ValueError` unless the three name the same settings and each table is (points, 10)."""
    names = list(values)
    if not names or set(names) != set(probabilities) or not set(names) <= set(labels):
        raise ValueError(
            f"values, probabilities and labels must name the same settings, got {names}, "
            f"{list(probabilities)} and {list(labels)}"
        )
    for name in names:
        x, table = np.asarray(values[name], float), np.asarray(probabilities[name], float)
        if table.shape != (len(x), 10):
            raise ValueError(
                f"probabilities[{name!r}] must have shape ({len(x)}, 10), got {table.shape}"
            )


def _digit_lines(x: np.ndarray, table: np.ndarray, label: str, axis: str, first: bool) -> list:
    """The ten probabilities of one panel as lines on x axis `axis`; the `first` panel's make the
    legend."""
    return [
        {
            "type": "scatter",
            "x": x,
            "y": np.round(table[:, digit], 4),
            "xaxis": axis,
            "yaxis": "y",
            "mode": "lines",
            "name": str(digit),
            "legendgroup": str(digit),
            "showlegend": first,
            "line": {"color": DIGIT_COLORS[digit], "width": 2},
            "hovertemplate": f"{label} %{{x:g}}<br>digit {digit}: %{{y:.1%}}<extra></extra>",
        }
        for digit in range(10)
    ]


def _panel_title(label: str, domain: list[float]) -> dict:
    """A panel's title, centred above its x `domain`."""
    return {
        "text": label,
        "x": sum(domain) / 2,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 13},
    }


def _current_line(axis: str, value: float) -> dict:
    """A dotted vertical line at the setting's `value` on x axis `axis`."""
    return {
        "type": "line",
        "xref": axis,
        "yref": "paper",
        "x0": value,
        "x1": value,
        "y0": 0,
        "y1": 1,
        "line": {"dash": "dot", "color": "#1f2933", "width": 1},
    }


def fig_sweep(
    values: Mapping[str, np.ndarray],
    probabilities: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
    current: Mapping[str, float],
    *,
    described: str | None = None,
) -> go.Figure:
    """One panel per setting: the ten probabilities (points, 10) against its `values` (points,), a
    dotted line at its `current` value; one legend entry per digit, after what the probabilities
    are (`described`)."""
    _check_sweep(values, probabilities, labels)
    names = list(values)
    axes = _panel_axes(len(names))
    traces, shapes, titles = [], [], []
    for number, name in enumerate(names):
        x, table = np.asarray(values[name], float), np.asarray(probabilities[name], float)
        axis = f"x{number + 1 if number else ''}"
        traces += _digit_lines(x, table, labels[name], axis, number == 0)
        titles.append(
            _panel_title(labels[name], axes[f"xaxis{number + 1 if number else ''}"]["domain"])
        )
        if name in current:
            shapes.append(_current_line(axis, current[name]))
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
