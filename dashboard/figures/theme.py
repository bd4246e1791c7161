"""The look shared by every figure: fonts, margins, colors of the ten digits and of right/wrong."""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go
import plotly.io as pio

# Every figure of the app uses this template. Set as the default once: naming it in each figure's
# layout made plotly copy and validate the whole template per figure, about 8 ms each.
pio.templates.default = "plotly_white"

FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
DIGIT_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#7f7f7f",
)
CORRECT = "#2e8540"
WRONG = "#c0392b"
NEUTRAL = "#9aa5b1"
TRAIN = "#4e79a7"
VALIDATION = "#f28e2b"
# Paul Tol's "muted" qualitative scheme: distinguishable with the common colour-vision deficiencies.
RUN_COLORS = (
    "#332288",
    "#88ccee",
    "#44aa99",
    "#117733",
    "#999933",
    "#ddcc77",
    "#cc6677",
    "#882255",
    "#aa4499",
)


def run_color(name: str) -> str:
    """The colour of run `name` on every chart: fixed by its name (a hash), not by its place in a
    list."""
    digest = hashlib.sha1(str(name).encode("utf-8")).digest()
    return RUN_COLORS[int.from_bytes(digest[:4], "big") % len(RUN_COLORS)]


def styled(figure: go.Figure, *, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the shared layout to `figure` and return it."""
    figure.update_layout(
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 0.98,
            "yanchor": "top",
            "font": {"size": 15},
        }
        if title
        else None,
        margin={"l": 50, "r": 20, "t": 90 if title else 30, "b": 40},
        hoverlabel={"font": {"family": FONT}},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.08 if title else 1.02,
            "xanchor": "left",
            "x": 0,
        },
        height=height,
    )
    return figure


def fig_message(message: str, *, height: int = 300) -> go.Figure:
    """An empty figure that says `message` instead of plotting."""
    figure = go.Figure()
    figure.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": NEUTRAL},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return styled(figure, height=height)
