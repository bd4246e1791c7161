"""Learning-curve figures: one run, several runs overlaid (Training page), and a training as it runs
(Train page)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import fig_message, run_color, styled

# Three panels on one epoch axis: loss and error rate (1 - accuracy) on log axes, as MNIST curves
# are read
# (on a linear axis every epoch after the second is a flat line), and the learning rate.
PANELS = (
    ("loss", "loss (cross-entropy, log)"),
    ("error", "error rate (1 − accuracy, log)"),
    ("learning_rate", "learning rate"),
)
REQUIRED = {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
PANEL_HEIGHT = 210
SMALLEST_ERROR = 1e-4  # an error rate of 0 is drawn here, since a log axis has no 0


def _number_format(metric: str) -> str:
    """The d3 format of a metric's hover value: learning rates as powers of ten, errors in %."""
    return {"learning_rate": ".3e", "error": ".4~%"}.get(metric, ".4f")


def _check(history: pd.DataFrame, name: str) -> None:
    missing = REQUIRED - set(history.columns)
    if missing:
        raise ValueError(
            f"history of {name} lacks columns {sorted(missing)}; it has {list(history.columns)}"
        )


def _panels(epochs: int) -> go.Figure:
    figure = make_subplots(
        rows=len(PANELS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=[title for _, title in PANELS],
    )
    figure.update_xaxes(range=[0.5, epochs + 0.5], tick0=1, dtick=max(1, -(-epochs // 10)))
    figure.update_xaxes(title="epoch", row=len(PANELS), col=1)
    figure.update_yaxes(type="log", tickformat=".2~g", row=1, col=1)
    figure.update_yaxes(type="log", tickformat=".2~%", row=2, col=1)
    figure.update_yaxes(exponentformat="e", rangemode="tozero", row=3, col=1)
    figure.update_layout(hovermode="x unified")
    return figure


def _series(history: pd.DataFrame, prefix: str, metric: str) -> pd.Series | None:
    """The column to plot for `metric` ("loss", "error", "learning_rate") of training (`prefix` "")
    or validation."""
    if metric == "error":
        return (1.0 - history[f"{prefix}accuracy"]).clip(lower=SMALLEST_ERROR)
    column = prefix + metric if metric != "learning_rate" else metric
    return history[column] if column in history.columns else None


def _add_curves(figure: go.Figure, history: pd.DataFrame, *, name: str, color: str) -> None:
    """The run's training (dotted) and validation (solid) curves in each panel; one legend entry for
    the run."""
    for prefix, kind, dash in (("", "training", "dot"), ("val_", "validation", "solid")):
        for row, (metric, _) in enumerate(PANELS, start=1):
            if metric == "learning_rate" and prefix:
                continue  # one learning rate per epoch
            values = _series(history, prefix, metric)
            if values is None:
                continue
            label = f"{name} {kind}" if metric != "learning_rate" else f"{name} learning rate"
            figure.add_scatter(
                x=history["epoch"],
                y=values,
                mode="lines+markers",
                name=name,
                legendgroup=name,
                showlegend=row == 1 and kind == "validation",
                line={
                    "color": color,
                    "dash": "solid" if metric == "learning_rate" else dash,
                    "width": 2,
                },
                marker={"size": 4},
                hovertemplate=f"{label}: %{{y:{_number_format(metric)}}}<extra></extra>",
                row=row,
                col=1,
            )


def _finish(figure: go.Figure, title: str) -> go.Figure:
    """Shared look; the legend sits under the plots, so that it never covers the title, however many
    runs."""
    figure = styled(figure, title=title, height=PANEL_HEIGHT * len(PANELS) + 150)
    figure.update_layout(
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.09,
            "xanchor": "left",
            "x": 0,
            "title": {"text": "solid: validation, dotted: training  "},
        },
        margin={"t": 70, "b": 40},
    )
    return figure


def fig_learning_curves(history: pd.DataFrame, run_name: str) -> go.Figure:
    """Loss, error rate and learning rate per epoch of one run, training against validation, in the
    run's colour."""
    _check(history, run_name)
    figure = _panels(int(history["epoch"].max()))
    _add_curves(figure, history, name=run_name, color=run_color(run_name))
    return _finish(figure, f"Learning curves of {run_name}")


def fig_runs_overlay(histories: Mapping[str, pd.DataFrame]) -> go.Figure:
    """Loss, error rate and learning rate per epoch of several runs on shared axes, each run in its
    own colour."""
    if not histories:
        raise ValueError("histories is empty: choose at least one run")
    for name, history in histories.items():
        _check(history, name)
    figure = _panels(max(int(history["epoch"].max()) for history in histories.values()))
    for name, history in histories.items():
        _add_curves(figure, history, name=name, color=run_color(name))
    return _finish(figure, "Runs compared")


WAITING = "The curves grow here after each epoch."
HEIGHT = 380  # the live figure while it waits for its first epoch


def fig_live_curves(history: list[dict], run_name: str, epochs: int) -> go.Figure:
    """Loss, error rate and learning rate of the epochs done so far, on an epoch axis spanning the
    whole training."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if not history:
        return fig_message(WAITING, height=HEIGHT)
    figure = fig_learning_curves(pd.DataFrame(history), run_name)
    figure.update_xaxes(range=[0.5, epochs + 0.5], rangemode="normal", dtick=max(1, epochs // 10))
    figure.update_layout(title_text=f"{run_name}: epoch {len(history)} of {epochs}")
    return figure
