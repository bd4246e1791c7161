"""The Draw page's heatmap: where the model looks in each digit it read, for the digit it read."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.drawing.kept import KeptDigit
from dashboard.figures.saliency import fig_saliency
from dashboard.figures.theme import fig_message
from dashboard.service import current
from model.insight.saliency import METHODS, normalize_heatmap

DEFAULT_METHOD = "integrated_gradients"
EMPTY_HEATMAP = "Draw a digit to see which pixels the model's answer rests on."
SALIENCY_HEIGHT = 280


def heatmap_figure(run_name: str, digits: Sequence[KeptDigit], method: str):
    """The saliency of each digit by `method` under run `run_name`; a note when there is none."""
    if not digits:
        return fig_message(EMPTY_HEATMAP, height=SALIENCY_HEIGHT)
    try:
        explainer = current().explainer(run_name)
        heatmaps = [
            normalize_heatmap(
                explainer.explain(d.input, method, d.digit), signed=METHODS[method].signed
            )
            for d in digits
        ]
    except ValueError as error:
        return fig_message(str(error), height=SALIENCY_HEIGHT)
    return fig_saliency(
        [d.input for d in digits],
        heatmaps,
        [f"{d.digit} · {d.confidence:.0%}" for d in digits],
        columns=6,
    )
