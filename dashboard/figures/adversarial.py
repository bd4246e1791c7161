"""Figures of the Adversarial page: original, perturbation and adversarial image; probabilities
before and after; accuracy against ε."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import NEUTRAL, TRAIN, VALIDATION, WRONG, styled

INK = [[0.0, "#000000"], [1.0, "#ffffff"]]  # white digit on black, as the model sees it
PANEL = 250


def _check_attack(
    original: np.ndarray, perturbation: np.ndarray, adversarial: np.ndarray, titles: Sequence[str]
) -> None:
    """`ValueError` unless there are three 2-D images of one shape and three titles."""
    if (
        not original.shape == perturbation.shape == adversarial.shape
        or original.ndim != 2
        or len(titles) != 3
    ):
        raise ValueError(
            f"need three 2-D images of one shape and three titles, got {original.shape}, "
            f"{perturbation.shape}, {adversarial.shape} and {len(titles)} titles"
        )


def _attack_panels(
    original: np.ndarray, perturbation: np.ndarray, adversarial: np.ndarray
) -> list[tuple[np.ndarray, dict]]:
    """Each panel's pixels and heatmap style: images on the ink scale, the perturbation on a
    diverging scale of ±its largest change with the figure's one colour bar."""
    limit = float(np.abs(perturbation).max()) or 1.0
    pixel = {
        "zmin": 0,
        "zmax": 1,
        "colorscale": INK,
        "showscale": False,
        "hovertemplate": "row %{y}, column %{x}<br>pixel %{z:.2f}<extra></extra>",
    }
    change = {
        "zmin": -limit,
        "zmax": limit,
        "colorscale": "RdBu_r",
        "colorbar": {
            "title": {"text": "change", "side": "right"},
            "orientation": "h",
            "x": 0.5,
            "xanchor": "center",
            "y": -0.04,
            "yanchor": "top",
            "len": 0.3,
            "thickness": 10,
        },
        "hovertemplate": "row %{y}, column %{x}<br>change %{z:+.3f}<extra></extra>",
    }
    return [
        (np.round(original, 3), pixel),
        (np.round(perturbation, 4), change),
        (np.round(adversarial, 3), pixel),
    ]


def _panel_axes(suffix: str, left: float, right: float) -> dict:
    """The x and y axes of one panel: a square from `left` to `right` of the width, at the top."""
    return {
        f"xaxis{suffix}": {"domain": [left, right], "visible": False, "constrain": "domain"},
        f"yaxis{suffix}": {
            "visible": False,
            "autorange": "reversed",
            "constrain": "domain",
            "constraintoward": "top",
            "scaleanchor": f"x{suffix}",
            "scaleratio": 1,
        },
    }


def _panel_title(title: str, left: float, right: float) -> dict:
    """A panel's title, centred above it."""
    return {
        "text": title,
        "x": (left + right) / 2,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 13},
    }


def fig_attack(
    original: np.ndarray, perturbation: np.ndarray, adversarial: np.ndarray, titles: Sequence[str]
) -> go.Figure:
    """Three panels: the original (28, 28), the perturbation (on a diverging scale of ±its largest
    change) and the adversarial image.

    The panels stay square and under their titles at any width, the colour scale under the middle
    one. Their axes are laid out directly (no `make_subplots`, which alone cost more than the rest
    of the figure): this figure answers every attack, whose time budget is 300 ms.
    """
    original, perturbation, adversarial = (
        np.asarray(a, float) for a in (original, perturbation, adversarial)
    )
    _check_attack(original, perturbation, adversarial, titles)
    traces, layout, annotations = [], {}, []
    panels = _attack_panels(original, perturbation, adversarial)
    for number, ((z, style), title) in enumerate(zip(panels, titles, strict=True)):
        suffix = str(number + 1) if number else ""
        left, right = number / 3 + 0.013, (number + 1) / 3 - 0.013
        traces.append(go.Heatmap(z=z, xaxis=f"x{suffix}", yaxis=f"y{suffix}", **style))
        layout.update(_panel_axes(suffix, left, right))
        annotations.append(_panel_title(title, left, right))
    figure = styled(go.Figure(traces, {**layout, "annotations": annotations}), height=PANEL + 80)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 50})
    return figure


def fig_before_after(
    before: np.ndarray, after: np.ndarray, *, title: str | None = None
) -> go.Figure:
    """The ten probabilities before and after the attack, side by side, under `title`."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != (10,) or after.shape != (10,):
        raise ValueError(
            f"before and after must have shape (10,), got {before.shape} and {after.shape}"
        )
    bars = [
        go.Bar(
            x=list(range(10)),
            y=values,
            name=name,
            marker_color=color,
            hovertemplate=f"{name}, digit %{{x}}: %{{y:.2%}}<extra></extra>",
        )
        for name, values, color in (("original", before, NEUTRAL), ("adversarial", after, WRONG))
    ]
    layout = {
        "barmode": "group",
        "bargap": 0.25,
        "xaxis": {"title": {"text": "digit"}, "tickmode": "linear", "dtick": 1, "fixedrange": True},
        "yaxis": {
            "title": {"text": "probability"},
            "range": [0, 1.05],
            "tickformat": ".0%",
            "fixedrange": True,
        },
    }
    return styled(go.Figure(bars, layout), title=title, height=300)


def fig_robustness(curve: dict, *, run_name: str, found: float | None = None) -> go.Figure:
    """Accuracy against ε under FGSM and PGD; a dotted line at ε `found` (this image's smallest
    ε)."""
    epsilons = list(curve["epsilons"])
    figure = go.Figure()
    for method, label, color in (
        ("fgsm", "FGSM (one step)", TRAIN),
        ("pgd", "PGD (iterated)", VALIDATION),
    ):
        if len(curve[method]) != len(epsilons):
            raise ValueError(
                f"curve[{method!r}] must have one accuracy per epsilon, got {len(curve[method])}"
            )
        figure.add_scatter(
            x=epsilons,
            y=curve[method],
            mode="lines+markers",
            name=label,
            line={"color": color},
            hovertemplate=f"{label}<br>ε %{{x:.3f}}: accuracy %{{y:.1%}}<extra></extra>",
        )
    if found is not None:
        figure.add_vline(
            x=found,
            line={"dash": "dot", "color": WRONG},
            annotation={"text": f"this image: ε = {found:.3f}", "font": {"color": WRONG}},
        )
    figure.update_xaxes(
        title="ε (largest change of any pixel, pixels in [0, 1])", rangemode="tozero"
    )
    figure.update_yaxes(
        title=f"accuracy on {curve.get('size', '?'):,} test images"
        if isinstance(curve.get("size"), int)
        else "accuracy",
        range=[0, 1.02],
        tickformat=".0%",
    )
    return styled(figure, title=f"How {run_name} holds up under attack", height=360)
