"""Learning-curve figures: one run, several runs overlaid (Training page), and a training as it runs (Train page)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import DIGIT_COLORS, TRAIN, VALIDATION, fig_message, styled

PANELS = (("loss", "loss"), ("accuracy", "accuracy"))  # (history column, panel title)
REQUIRED = {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}


def _check(history: pd.DataFrame, name: str) -> None:
    missing = REQUIRED - set(history.columns)
    if missing:
        raise ValueError(f"history of {name} lacks columns {sorted(missing)}; it has {list(history.columns)}")


def _panels(epochs: int) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=[title for _, title in PANELS], horizontal_spacing=0.1)
    figure.update_xaxes(title="epoch", range=[0.5, epochs + 0.5], tick0=1, dtick=max(1, -(-epochs // 10)))
    figure.update_yaxes(title="cross-entropy", row=1, col=1)
    figure.update_yaxes(title="accuracy", tickformat=".1%", row=1, col=2)
    figure.update_layout(hovermode="x unified")
    return figure


def _add_curves(figure: go.Figure, history: pd.DataFrame, *, name: str, color_train: str, color_val: str,
                dash_train: str) -> None:
    for column, (kind, color, dash) in (
        ("", ("training", color_train, dash_train)),
        ("val_", ("validation", color_val, "solid")),
    ):
        label = f"{name} {kind}".strip()
        for col, (metric, _) in enumerate(PANELS, start=1):
            figure.add_scatter(
                x=history["epoch"], y=history[column + metric], mode="lines+markers",
                name=label, legendgroup=label, showlegend=col == 1,
                line={"color": color, "dash": dash, "width": 2}, marker={"size": 5},
                hovertemplate=f"{label}: %{{y:.4f}}<extra></extra>",
                row=1, col=col,
            )


def fig_learning_curves(history: pd.DataFrame, run_name: str) -> go.Figure:
    """Loss and accuracy per epoch of one run, training against validation."""
    _check(history, run_name)
    figure = _panels(int(history["epoch"].max()))
    _add_curves(figure, history, name="", color_train=TRAIN, color_val=VALIDATION, dash_train="solid")
    return styled(figure, title=f"Learning curves of {run_name}", height=420)


def fig_runs_overlay(histories: Mapping[str, pd.DataFrame]) -> go.Figure:
    """Loss and accuracy per epoch of several runs on shared axes: training dotted, validation solid."""
    if not histories:
        raise ValueError("histories is empty: choose at least one run")
    for name, history in histories.items():
        _check(history, name)
    figure = _panels(max(int(history["epoch"].max()) for history in histories.values()))
    for position, (name, history) in enumerate(histories.items()):
        color = DIGIT_COLORS[position % len(DIGIT_COLORS)]
        _add_curves(figure, history, name=name, color_train=color, color_val=color, dash_train="dot")
    return styled(figure, title="Runs compared (training dotted, validation solid)", height=440)

WAITING = "The curves grow here after each epoch."
HEIGHT = 380


def fig_live_curves(history: list[dict], run_name: str, epochs: int) -> go.Figure:
    """Loss and accuracy of the epochs done so far, on an epoch axis spanning the whole training."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if not history:
        return fig_message(WAITING, height=HEIGHT)
    figure = fig_learning_curves(pd.DataFrame(history), run_name)
    figure.update_xaxes(range=[0.5, epochs + 0.5], rangemode="normal", dtick=max(1, epochs // 10))
    figure.update_layout(title_text=f"{run_name}: epoch {len(history)} of {epochs}")
    return figure
