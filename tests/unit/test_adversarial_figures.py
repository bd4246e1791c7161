"""The Adversarial page's figure builders: data in, figure out, checked on what a reader would
see."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.figures.adversarial import fig_attack, fig_before_after, fig_robustness


def test_the_attack_shows_three_square_panels_titled_with_the_perturbation_on_its_own_scale():
    original = np.zeros((28, 28))
    original[8:20, 12:16] = 1.0
    perturbation = np.full((28, 28), -0.03)
    perturbation[0, 0] = 0.05
    figure = fig_attack(
        original,
        perturbation,
        np.clip(original + perturbation, 0, 1),
        ("original: 1", "perturbation (±0.050)", "adversarial: 7"),
    )
    assert [trace.type for trace in figure.data] == ["heatmap"] * 3
    assert [(t.xaxis, t.yaxis) for t in figure.data] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert [a.text for a in figure.layout.annotations] == [
        "original: 1",
        "perturbation (±0.050)",
        "adversarial: 7",
    ]
    assert (figure.data[1].zmin, figure.data[1].zmax) == (-0.05, 0.05) and figure.data[0].zmax == 1
    assert figure.data[1].showscale is not False and figure.data[0].showscale is False
    domains = [figure.layout[f"xaxis{s}"].domain for s in ("", "2", "3")]
    assert all(
        left < right <= following
        for (left, right), (following, _) in zip(domains, domains[1:], strict=False)
    )
    assert figure.layout.yaxis3.scaleanchor == "x3" and figure.layout.yaxis.autorange == "reversed"
    assert (
        figure.layout.template.layout.paper_bgcolor == "white"
    )  # the app's template, set once as the default
    with pytest.raises(ValueError, match="three 2-D images"):
        fig_attack(original, perturbation[:5], original, ("a", "b", "c"))


def test_before_and_after_are_grouped_bars_of_the_ten_probabilities():
    before, after = np.eye(10)[3] * 0.9 + 0.01, np.eye(10)[8] * 0.9 + 0.01
    figure = fig_before_after(before, after)
    assert [trace.name for trace in figure.data] == ["original", "adversarial"]
    assert figure.data[0].y[3] == pytest.approx(0.91) and figure.data[1].y[8] == pytest.approx(0.91)
    assert figure.layout.barmode == "group" and figure.layout.yaxis.tickformat == ".0%"
    with pytest.raises(ValueError, match="shape"):
        fig_before_after(before[:9], after)


def test_the_robustness_curve_has_one_line_per_method_and_marks_this_image():
    curve = {
        "epsilons": [0.0, 0.1, 0.2],
        "fgsm": [0.99, 0.6, 0.2],
        "pgd": [0.99, 0.3, 0.01],
        "size": 1000,
    }
    figure = fig_robustness(curve, run_name="deep_cnn", found=0.08)
    assert [trace.name for trace in figure.data] == ["FGSM (one step)", "PGD (iterated)"]
    assert (
        list(figure.data[1].y) == [0.99, 0.3, 0.01]
        and "1,000 test images" in figure.layout.yaxis.title.text
    )
    assert figure.layout.shapes[0].x0 == 0.08 and "deep_cnn" in figure.layout.title.text
    with pytest.raises(ValueError, match="one accuracy per epsilon"):
        fig_robustness({**curve, "pgd": [0.9]}, run_name="x")
