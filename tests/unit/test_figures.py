"""The pure figure builders: data in, figure out, checked on what a reader would see."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pandas as pd
import pytest

from dashboard.figures.curves import fig_learning_curves, fig_runs_overlay
from dashboard.figures.dataset import fig_digit_grid, fig_label_distribution, fig_projection
from dashboard.figures.errors import fig_class_scores, fig_confusion_matrix
from dashboard.figures.images import fig_probabilities, png_data_url
from dashboard.figures.theme import CORRECT, WRONG, fig_message

HISTORY = pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.9, 0.5, 0.3], "accuracy": [0.7, 0.85, 0.9],
                        "val_loss": [0.6, 0.4, 0.35], "val_accuracy": [0.8, 0.88, 0.9]})


def test_label_distribution_shows_shares_and_counts():
    train, test = np.arange(1, 11) * 100, np.full(10, 50)
    figure = fig_label_distribution(train, test)
    bars = {trace.name.split()[0]: trace for trace in figure.data}
    assert sum(bars["train"].y) == pytest.approx(1.0) and bars["test"].y[3] == pytest.approx(0.1)
    assert list(bars["train"].customdata) == list(train) and bars["train"].text[9] == "1,000"
    assert "5,500 images" in bars["train"].name
    with pytest.raises(ValueError, match="test_counts"):
        fig_label_distribution(train, np.zeros(10))


def test_digit_grid_shares_one_color_scale_with_a_colorbar():
    images = np.random.default_rng(0).random((11, 28, 28))
    figure = fig_digit_grid(images, [str(i) for i in range(11)], value_name="variance", colorscale="Viridis")
    assert len(figure.data) == 11 and {trace.coloraxis for trace in figure.data} == {"coloraxis"}
    assert figure.layout.coloraxis.colorbar.title.text == "variance"
    assert figure.layout.coloraxis.cmax == pytest.approx(images.max())
    assert [a.text for a in figure.layout.annotations] == [str(i) for i in range(11)]
    with pytest.raises(ValueError, match="one title each"):
        fig_digit_grid(images, ["only one"], value_name="mean")


def test_projection_colors_by_label_and_carries_test_indices():
    labels = np.array([0, 1, 1, 2, 9])
    indices = np.array([10, 11, 12, 13, 14])
    wrong = np.array([False, True, False, False, True])
    figure = fig_projection(np.arange(10.0).reshape(5, 2), labels, indices, method="PCA", wrong=wrong, run_name="r")
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name["1"].customdata) == [11, 12] and len(by_name["5"].x) == 0
    assert list(by_name["misclassified by r"].customdata) == [11, 14]
    assert figure.layout.xaxis.title.text == "PCA 1"
    assert len(fig_projection(np.zeros((5, 2)), labels, indices, method="PCA").data) == 10
    with pytest.raises(ValueError, match="coordinates must be"):
        fig_projection(np.zeros((4, 2)), labels, indices, method="PCA")


def test_confusion_matrix_tells_the_diagonal_apart_and_normalizes_rows():
    matrix = np.diag(np.arange(10, 20)) + np.eye(10, k=1, dtype=int) * 5
    matrix[9, 0] = 5  # every row has one error
    errors, correct = fig_confusion_matrix(matrix).data
    assert np.isnan(np.diag(np.array(errors.z, dtype=float))).all()
    assert correct.z[3][3] == 13 and np.isnan(correct.z[3][4])
    assert errors.text[3][4] == "5" and correct.colorscale[-1][1] == CORRECT
    assert errors.showscale and not correct.showscale
    shares = fig_confusion_matrix(matrix, normalized=True).data
    row = np.nansum([np.array(shares[0].z, dtype=float)[2], np.array(shares[1].z, dtype=float)[2]], axis=0)
    assert row.sum() == pytest.approx(1.0) and shares[1].text[2][2] == f"{12 / 17:.1%}"
    with pytest.raises(ValueError, match="10x10"):
        fig_confusion_matrix(np.zeros((9, 9)))


def test_class_scores_show_three_bars_per_digit():
    per_class = [{"digit": d, "precision": 0.9, "recall": 0.8 + d / 100, "f1": 0.85, "support": 10} for d in range(10)]
    figure = fig_class_scores(per_class)
    assert [trace.name for trace in figure.data] == ["precision", "recall", "F1"]
    assert figure.data[1].y[9] == pytest.approx(0.89)
    with pytest.raises(ValueError, match="one entry per digit"):
        fig_class_scores(per_class[:3])


def test_probabilities_mark_the_true_and_the_wrong_answer():
    probabilities = np.full(10, 0.02)
    probabilities[7] = 0.82
    figure = fig_probabilities(probabilities, true_label=2)
    bars = figure.data[0]
    assert bars.marker.color[2] == CORRECT and bars.marker.color[7] == WRONG
    assert bars.text[7] == "82%" and bars.text[2] == "2%" and list(bars.y) == list(probabilities)
    assert all(color not in (CORRECT, WRONG) for d, color in enumerate(bars.marker.color) if d not in (2, 7))
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        fig_probabilities(probabilities[:5], true_label=2)
    with pytest.raises(ValueError, match="true_label must be a digit 0-9, got 10"):
        fig_probabilities(probabilities, true_label=10)


def test_learning_curves_plot_training_against_validation():
    figure = fig_learning_curves(HISTORY, "run")
    names = {trace.name for trace in figure.data}
    assert names == {"training", "validation"} and len(figure.data) == 4
    validation_accuracy = [t for t in figure.data if t.name == "validation" and t.xaxis == "x2"][0]
    assert list(validation_accuracy.y) == [0.8, 0.88, 0.9]
    with pytest.raises(ValueError, match="lacks columns"):
        fig_learning_curves(HISTORY.drop(columns="val_loss"), "run")


def test_runs_overlay_gives_each_run_its_own_color():
    figure = fig_runs_overlay({"a": HISTORY, "b": HISTORY.iloc[:2]})
    assert {t.legendgroup for t in figure.data} == {"a training", "a validation", "b training", "b validation"}
    assert len({t.line.color for t in figure.data}) == 2
    with pytest.raises(ValueError, match="choose at least one run"):
        fig_runs_overlay({})


def test_png_data_url_round_trips_the_pixels():
    image = np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)
    url = png_data_url(image)
    assert url.startswith("data:image/png;base64,")
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(decoded, image)
    with pytest.raises(ValueError, match="2-D uint8"):
        png_data_url(image.astype(np.float32))


def test_message_figure_says_it():
    assert fig_message("nothing here").layout.annotations[0].text == "nothing here"
