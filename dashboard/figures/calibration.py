"""Figures of the Calibration page: the reliability diagram and the confidence histogram of right
and wrong answers."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import CORRECT, NEUTRAL, WRONG, styled


def _check_bins(
    edges: np.ndarray, counts: np.ndarray, confidence: np.ndarray, accuracy: np.ndarray
) -> None:
    """`ValueError` unless there are bins+1 edges and a confidence and an accuracy per bin."""
    bins = len(counts)
    if edges.shape != (bins + 1,) or confidence.shape != (bins,) or accuracy.shape != (bins,):
        raise ValueError(
            f"edges must have {bins + 1} values and confidence, accuracy {bins}, got "
            f"{edges.shape}, {confidence.shape}, {accuracy.shape}"
        )


def _reliability_bars(
    figure: go.Figure,
    edges: np.ndarray,
    counts: np.ndarray,
    confidence: np.ndarray,
    accuracy: np.ndarray,
) -> None:
    """Add each non-empty bin's accuracy (labelled with its count) and its gap to the mean
    confidence."""
    centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    used = counts > 0
    figure.add_bar(
        x=centres[used],
        y=accuracy[used],
        width=widths[used] * 0.95,
        name="accuracy in the bin",
        marker_color=CORRECT,
        opacity=0.8,
        text=[f"{c:,}" for c in counts[used]],
        textposition="outside",
        cliponaxis=False,
        customdata=np.stack([counts, confidence], axis=-1)[used],
        hovertemplate="confidence %{customdata[1]:.2%} (mean)<br>accuracy %{y:.2%}<br>"
        "%{customdata[0]:,} images<extra></extra>",
    )
    gaps = np.where(used, confidence - accuracy, np.nan)
    figure.add_bar(
        x=centres[used],
        y=gaps[used],
        base=accuracy[used],
        width=widths[used] * 0.95,
        name="gap to mean confidence",
        marker_color=WRONG,
        opacity=0.45,
        hoverinfo="skip",
    )


def fig_reliability(
    edges: np.ndarray,
    counts: np.ndarray,
    confidence: np.ndarray,
    accuracy: np.ndarray,
    *,
    title: str | None = None,
) -> go.Figure:
    """Accuracy against mean confidence per bin (bars, with each bin's count), the diagonal of
    perfect calibration.

    `edges` (bins+1,) and per bin `counts`, mean `confidence` and `accuracy` (NaN where empty).
    """
    edges, counts = np.asarray(edges, float), np.asarray(counts, int)
    confidence, accuracy = np.asarray(confidence, float), np.asarray(accuracy, float)
    _check_bins(edges, counts, confidence, accuracy)
    figure = go.Figure()
    _reliability_bars(figure, edges, counts, confidence, accuracy)
    figure.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        name="perfect calibration",
        line={"color": NEUTRAL, "dash": "dash"},
        hoverinfo="skip",
    )
    figure.update_xaxes(
        title="confidence (top probability); bar labels: images per bin",
        range=[0, 1.0],
        tickformat=".0%",
    )
    figure.update_yaxes(title="accuracy", range=[0, 1.1], tickformat=".0%")
    figure.update_layout(barmode="overlay")
    return styled(figure, title=title, height=400)


def fig_confidence_histogram(
    confidence: np.ndarray, correct: np.ndarray, *, bins: int = 20
) -> go.Figure:
    """How sure the model is when it is right and when it is wrong: two histograms over [0, 1], log
    counts."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, bool)
    if confidence.shape != correct.shape:
        raise ValueError(
            f"confidence and correct must have the same shape, got {confidence.shape} and "
            f"{correct.shape}"
        )
    edges = np.linspace(0, 1, bins + 1)
    figure = go.Figure()
    for mask, name, color in ((correct, "right", CORRECT), (~correct, "wrong", WRONG)):
        counts, _ = np.histogram(confidence[mask], bins=edges)
        figure.add_bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges) * 0.9,
            name=f"{name} ({int(mask.sum()):,})",
            marker_color=color,
            opacity=0.75,
            hovertemplate=f"{name}: %{{y:,}} images with confidence near %{{x:.0%}}<extra></extra>",
        )
    figure.update_xaxes(title="confidence (top probability)", range=[0, 1.0], tickformat=".0%")
    figure.update_yaxes(title="images (log scale)", type="log")
    figure.update_layout(barmode="overlay")
    return styled(figure, height=340)
