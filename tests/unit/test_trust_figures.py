"""Figure builders of the Compare and Calibration pages: data in, figure out."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.figures.calibration import fig_confidence_histogram, fig_reliability
from dashboard.figures.compare import (
    fig_accuracy_intervals,
    fig_class_differences,
    fig_confusion_difference,
)
from model.core.calibration import reliability


def test_reliability_diagram_shows_non_empty_bins_with_counts():
    labels = np.array([0, 0, 0, 0, 1])
    probabilities = np.array([[0.8, 0.2] + [0] * 8] * 4 + [[0.95, 0.05] + [0] * 8])
    bins = reliability(labels, probabilities, bins=10)
    figure = fig_reliability(bins.edges, bins.counts, bins.confidence, bins.accuracy, title="t")
    accuracy, gap, diagonal = figure.data
    assert list(accuracy.text) == ["4", "1"] and list(accuracy.y) == [1.0, 0.0]
    np.testing.assert_allclose(
        gap.y, [0.8 - 1.0, 0.95 - 0.0]
    )  # confidence minus accuracy, drawn from the bar top
    assert list(diagonal.x) == [0, 1] and figure.layout.title.text == "t"
    with pytest.raises(ValueError, match="edges must have"):
        fig_reliability(bins.edges[:-1], bins.counts, bins.confidence, bins.accuracy)


def test_confidence_histogram_splits_right_and_wrong():
    figure = fig_confidence_histogram(
        np.array([0.99, 0.98, 0.6, 0.55]), np.array([True, True, True, False])
    )
    right, wrong = figure.data
    assert sum(right.y) == 3 and sum(wrong.y) == 1 and right.name == "right (3)"
    assert figure.layout.yaxis.type == "log"


def test_confusion_difference_colours_by_what_is_better_for_b():
    difference = np.zeros((10, 10), int)
    difference[3, 3], difference[3, 5] = 2, -2  # B gets two more 3s right, that were read as 5 by A
    figure = fig_confusion_difference(difference, ("a", "b"))
    heat = figure.data[0]
    assert heat.z[3][3] == 2 and heat.z[3][5] == 2  # both good for B
    assert heat.text[3][5] == "-2" and heat.text[0][0] == ""
    with pytest.raises(ValueError, match="10x10"):
        fig_confusion_difference(np.zeros((9, 9)), ("a", "b"))


def test_class_differences_in_percentage_points_and_intervals():
    precision = np.array([[0.9] * 10, [0.95] * 10])
    recall = np.array([[0.99] * 10, [0.98] * 10])
    figure = fig_class_differences(precision, recall, ("a", "b"))
    np.testing.assert_allclose(figure.data[0].y, [5.0] * 10)
    np.testing.assert_allclose(figure.data[1].y, [-1.0] * 10)
    intervals = fig_accuracy_intervals(("a", "b"), (0.99, 0.98), ((0.985, 0.993), (0.975, 0.984)))
    assert intervals.data[0].error_x.array[0] == pytest.approx(0.003)
    assert intervals.data[1].error_x.arrayminus[0] == pytest.approx(0.005)
