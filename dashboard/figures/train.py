"""Figures of the Train page: the learning curves of a training while it runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import fig_message
from dashboard.figures.training import fig_learning_curves

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
