"""Figures of the Errors page: the confusion matrix and per-class precision, recall and F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import DIGIT_COLORS, styled

SCORES = ("precision", "recall", "f1")


# Colour-blind-safe pair (blue against orange): right answers by recall, errors on their own scale.
RECALL_SCALE = "Blues"
ERROR_SCALE = [[0.0, "#fff5eb"], [0.5, "#fd8d3c"], [1.0, "#7f2704"]]
SELECTED_LINE = "#1f2933"
TICKS = 5  # colour bar ticks, about


def colorbar_ticks(top: float, *, share: bool) -> tuple[list[float], list[str]]:
    """Tick values and labels of a colour bar from 0 to `top`: whole counts, or shares with as many
    decimals as their step needs (so that ticks of a small share never all read "0%")."""
    if top <= 0:
        return [0.0], ["0%" if share else "0"]
    raw = top / (TICKS - 1)
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if not share:
        step = max(1.0, np.ceil(step))
    values = [float(v) for v in np.arange(0.0, top + step * 1e-6, step)]  # none beyond the bar
    if share:
        percent, decimals = step * 100, 0
        while abs(round(percent, decimals) - percent) > 1e-9 and decimals < 6:
            decimals += 1
        return values, [f"{v * 100:.{decimals}f}%" for v in values]
    return values, [f"{int(round(v)):,}" for v in values]


def _colorbar(title: str, top: float, x: float, *, share: bool) -> dict:
    values, labels = colorbar_ticks(top, share=share)
    return {
        "title": {"text": title, "side": "top", "font": {"size": 12}},
        "orientation": "h",
        "x": x,
        "xanchor": "center",
        "y": -0.04,
        "yanchor": "top",
        "len": 0.46,
        "thickness": 10,
        "tickvals": values,
        "ticktext": labels,
    }


def _cells(
    name: str, mask: np.ndarray, values: np.ndarray, text: list, customdata: list, **style
) -> go.Heatmap:
    """One heatmap of the matrix's cells under `mask` (the others left blank), with their text and
    hover data."""
    return go.Heatmap(
        z=np.where(mask, values, np.nan),
        x=list(range(10)),
        y=list(range(10)),
        name=name,
        text=np.where(mask, text, ""),
        texttemplate="%{text}",
        textfont={"size": 10},
        hoverongaps=False,
        customdata=customdata,
        xgap=1,
        ygap=1,
        **style,
    )


def _check_matrix(counts: np.ndarray, selected: tuple[int, int] | None) -> None:
    """`ValueError` unless `counts` is 10x10 and `selected`, if given, a pair of digits."""
    if counts.shape != (10, 10):
        raise ValueError(f"matrix must be 10x10, got shape {counts.shape}")
    if selected is not None and not all(0 <= int(v) <= 9 for v in selected):
        raise ValueError(
            f"selected must be a (true, predicted) pair of digits 0-9, got {selected!r}"
        )


def _cell_labels(values: np.ndarray, normalized: bool) -> list[list[str]]:
    """Short cell labels that fit a phone-sized matrix: percentages without the sign, no empty
    error cells."""
    return [
        [
            "" if v == 0 and true != predicted else f"{v * 100:.1f}" if normalized else f"{int(v)}"
            for predicted, v in enumerate(row)
        ]
        for true, row in enumerate(values)
    ]


def _matrix_traces(counts: np.ndarray, normalized: bool) -> list[go.Heatmap]:
    """The errors on an orange scale by their own value, the diagonal in blue by each digit's
    recall."""
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    values = shares if normalized else counts
    diagonal = np.eye(10, dtype=bool)
    text = _cell_labels(values, normalized)
    errors_top, low = float(values[~diagonal].max()), float(min(0.9, np.diag(shares).min()))
    customdata = np.stack([counts, shares], axis=-1).tolist()
    errors = _cells(
        "errors",
        ~diagonal,
        values,
        text,
        customdata,
        colorscale=ERROR_SCALE,
        zmin=0,
        zmax=errors_top or 1,
        hovertemplate="true %{y}, predicted %{x}<br>%{customdata[0]:,} images "
        "(%{customdata[1]:.2%} of "
        "true %{y})<extra></extra>",
        colorbar=_colorbar(
            "errors, % of the row" if normalized else "errors, images",
            errors_top,
            0.24,
            share=normalized,
        ),
    )
    right = _cells(
        "right",
        diagonal,
        shares,
        text,
        customdata,
        colorscale=RECALL_SCALE,
        zmin=low,
        zmax=1.0,
        hovertemplate="true %{y}, predicted %{x}: right<br>recall %{customdata[1]:.2%} "
        "(%{customdata[0]:,} images)<extra></extra>",
        colorbar={
            **_colorbar("recall (diagonal)", 1.0, 0.76, share=True),
            **dict(zip(("tickvals", "ticktext"), _recall_ticks(low), strict=False)),
        },
    )
    return [errors, right]


def _outline(figure: go.Figure, selected: tuple[int, int]) -> None:
    """Outline cell `selected` (true, predicted)."""
    true, predicted = int(selected[0]), int(selected[1])
    figure.add_shape(
        type="rect",
        x0=predicted - 0.5,
        x1=predicted + 0.5,
        y0=true - 0.5,
        y1=true + 0.5,
        line={"color": SELECTED_LINE, "width": 3},
        name="selected cell",
    )


def _matrix_axes(figure: go.Figure) -> None:
    """Predicted digits along the top, true digits down the side, square cells, no zoom."""
    figure.update_xaxes(
        title="predicted digit",
        tickmode="linear",
        dtick=1,
        side="top",
        fixedrange=True,
        range=[-0.5, 9.5],
        constrain="domain",
    )
    figure.update_yaxes(
        title="true digit",
        tickmode="linear",
        dtick=1,
        range=[9.5, -0.5],
        fixedrange=True,
        scaleanchor="x",
        constrain="domain",
    )


def fig_confusion_matrix(
    matrix: Sequence[Sequence[int]],
    *,
    normalized: bool = False,
    selected: tuple[int, int] | None = None,
) -> go.Figure:
    """The confusion matrix (rows true, columns predicted), as counts or shares of each true class.

    The diagonal is coloured by each digit's recall (blue), the errors by their own value on an
    orange scale, so that a digit the model never gets right looks pale, not like a success.
    `selected` (true, predicted) is outlined. A click on a cell reports `x` = predicted, `y` = true.
    """
    counts = np.asarray(matrix, dtype=float)
    _check_matrix(counts, selected)
    figure = go.Figure(_matrix_traces(counts, normalized))
    if selected is not None:
        _outline(figure, selected)
    _matrix_axes(figure)
    figure = styled(figure, height=560)
    figure.update_layout(plot_bgcolor="white", margin={"l": 50, "r": 10, "t": 50, "b": 90})
    return figure


def _recall_ticks(low: float) -> tuple[list[float], list[str]]:
    """Ticks of the recall colour bar from `low` to 100%."""
    values = [float(v) for v in np.linspace(low, 1.0, 3)]
    return values, [f"{v:.1%}" if v < 1 else "100%" for v in values]


def fig_class_scores(per_class: Sequence[dict]) -> go.Figure:
    """Grouped bars of precision, recall and F1 for each digit."""
    if len(per_class) != 10:
        raise ValueError(f"per_class must have one entry per digit, got {len(per_class)}")
    figure = go.Figure()
    for position, score in enumerate(SCORES):
        values = [float(entry[score]) for entry in per_class]
        figure.add_bar(
            x=[int(entry["digit"]) for entry in per_class],
            y=values,
            name=score if score != "f1" else "F1",
            marker_color=DIGIT_COLORS[position],
            hovertemplate=f"digit %{{x}}: {score} %{{y:.2%}}<extra></extra>",
        )
    low = min(float(entry[score]) for entry in per_class for score in SCORES)
    figure.update_xaxes(title="digit", tickmode="linear", dtick=1)
    figure.update_yaxes(title="score", tickformat=".0%", range=[max(0.0, low - 0.05), 1.0])
    figure.update_layout(barmode="group", bargap=0.2)
    return styled(figure, height=340)
