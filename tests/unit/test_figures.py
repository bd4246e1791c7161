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
from dashboard.figures.images import digit_mosaic, fig_probabilities, png_data_url
from dashboard.figures.theme import CORRECT, RUN_COLORS, WRONG, fig_message, run_color

HISTORY = pd.DataFrame(
    {
        "epoch": [1, 2, 3],
        "loss": [0.9, 0.5, 0.3],
        "accuracy": [0.7, 0.85, 0.9],
        "val_loss": [0.6, 0.4, 0.35],
        "val_accuracy": [0.8, 0.88, 0.9],
    }
)


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
    figure = fig_digit_grid(
        images, [str(i) for i in range(11)], value_name="variance", colorscale="Viridis"
    )
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
    figure = fig_projection(
        np.arange(10.0).reshape(5, 2), labels, indices, method="PCA", wrong=wrong, run_name="r"
    )
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name["1"].customdata) == [11, 12] and len(by_name["5"].x) == 0
    assert list(by_name["misclassified by r"].customdata) == [11, 14]
    assert figure.layout.xaxis.title.text == "PCA 1"
    assert len(fig_projection(np.zeros((5, 2)), labels, indices, method="PCA").data) == 10
    with pytest.raises(ValueError, match="coordinates must be"):
        fig_projection(np.zeros((4, 2)), labels, indices, method="PCA")


def test_confusion_matrix_colours_the_diagonal_by_recall_and_errors_on_their_own_scale():
    matrix = np.diag(np.arange(10, 20)) + np.eye(10, k=1, dtype=int) * 5
    matrix[9, 0] = 5  # every row has one error
    matrix[4, 4], matrix[4, 5] = 0, 30  # a digit the model never gets right
    errors, right = fig_confusion_matrix(matrix).data
    assert np.isnan(np.diag(np.array(errors.z, dtype=float))).all() and np.isnan(right.z[3][4])
    assert right.z[3][3] == pytest.approx(13 / 18) and right.z[4][4] == 0  # recall, not class size
    assert (
        right.z[4][4] <= right.zmin
    )  # the digit never right is the palest blue, not a success colour
    assert errors.text[3][4] == "5" and right.text[3][3] == "13" and errors.zmax == 30
    assert right.colorscale[-1][1] != errors.colorscale[-1][1]
    assert "Blues" in str(right.colorscale) or right.colorscale[0][1].startswith("rgb")
    assert all(
        color.startswith(("#f", "#7", "#fd", "rgb")) for _, color in errors.colorscale
    )  # orange, not red/green
    shares = fig_confusion_matrix(matrix, normalized=True).data
    row = np.nansum(
        [np.array(shares[0].z, dtype=float)[2], np.array(shares[1].z, dtype=float)[2]], axis=0
    )
    assert row.sum() == pytest.approx(1.0) and shares[1].text[2][2] == f"{1200 / 17:.1f}" == "70.6"
    assert (
        shares[0].text[2][3] == f"{500 / 17:.1f}" and shares[0].text[2][5] == ""
    )  # no label on an empty cell
    with pytest.raises(ValueError, match="10x10"):
        fig_confusion_matrix(np.zeros((9, 9)))


@pytest.mark.parametrize("normalized", [False, True])
def test_confusion_matrix_colour_bar_ticks_are_distinct_in_both_modes(normalized):
    matrix = (
        np.diag(np.full(10, 1000)) + np.eye(10, k=1, dtype=int) * 3
    )  # errors of 0.3% of a class at most
    errors, right = fig_confusion_matrix(matrix, normalized=normalized).data
    labels = list(errors.colorbar.ticktext)
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    assert labels[-1] == ("0.2%" if normalized else "3")  # 3 of 1,003 images is 0.299%
    assert (
        0.6 * errors.zmax <= errors.colorbar.tickvals[-1] <= errors.zmax
    )  # every tick on the bar, spread over it
    assert (
        len(set(right.colorbar.ticktext)) == len(right.colorbar.ticktext)
        and right.colorbar.ticktext[-1] == "100%"
    )


def test_confusion_matrix_outlines_the_selected_cell():
    matrix = np.diag(np.full(10, 50)) + np.eye(10, k=1, dtype=int)
    shapes = fig_confusion_matrix(matrix, selected=(3, 5)).layout.shapes
    assert len(shapes) == 1 and (shapes[0].x0, shapes[0].x1, shapes[0].y0, shapes[0].y1) == (
        4.5,
        5.5,
        2.5,
        3.5,
    )
    assert fig_confusion_matrix(matrix).layout.shapes == ()
    with pytest.raises(ValueError, match="selected must be"):
        fig_confusion_matrix(matrix, selected=(3, 10))


def test_digit_mosaic_tiles_the_images_in_rows():
    images = np.stack([np.full((28, 28), value, np.uint8) for value in range(1, 13)])
    mosaic = digit_mosaic(images, columns=10)
    assert mosaic.shape == (2 * 28 + 2, 10 * 28 + 18)
    assert mosaic[0, 0] == 1 and mosaic[0, 30] == 2 and mosaic[30, 30] == 12 and mosaic[30, 60] == 0
    with pytest.raises(ValueError, match="columns must be at least 1"):
        digit_mosaic(images, columns=0)


def test_class_scores_show_three_bars_per_digit():
    per_class = [
        {"digit": d, "precision": 0.9, "recall": 0.8 + d / 100, "f1": 0.85, "support": 10}
        for d in range(10)
    ]
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
    assert all(
        color not in (CORRECT, WRONG)
        for d, color in enumerate(bars.marker.color)
        if d not in (2, 7)
    )
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        fig_probabilities(probabilities[:5], true_label=2)
    with pytest.raises(ValueError, match="true_label must be a digit 0-9, got 10"):
        fig_probabilities(probabilities, true_label=10)


def test_learning_curves_plot_error_rate_on_a_log_axis_and_the_learning_rate():
    history = HISTORY.assign(learning_rate=[0.002, 0.001, 0.0005])
    figure = fig_learning_curves(history, "run")
    assert len(figure.data) == 5  # loss and error for training and validation, one learning rate
    error = [t for t in figure.data if t.yaxis == "y2" and t.line.dash == "solid"][0]
    np.testing.assert_allclose(error.y, [0.2, 0.12, 0.1])  # 1 - validation accuracy
    assert figure.layout.yaxis.type == "log" and figure.layout.yaxis2.type == "log"
    assert list([t for t in figure.data if t.yaxis == "y3"][0].y) == [0.002, 0.001, 0.0005]
    assert {t.line.color for t in figure.data} == {run_color("run")}
    assert (
        fig_learning_curves(HISTORY.assign(accuracy=[0.7, 1.0, 1.0]), "run").data[1].y.min() > 0
    )  # log-safe
    assert (
        len(fig_learning_curves(HISTORY, "run").data) == 4
    )  # no learning rate recorded: no curve, no error
    with pytest.raises(ValueError, match="lacks columns"):
        fig_learning_curves(HISTORY.drop(columns="val_loss"), "run")


def test_run_colors_follow_the_name_not_the_position():
    names = ["deep_cnn", "convnet", "baseline", "cnn_aug", "wide"]
    first = fig_runs_overlay({name: HISTORY for name in names})
    second = fig_runs_overlay({name: HISTORY for name in reversed(names[1:])})
    colors = lambda figure: {t.legendgroup: t.line.color for t in figure.data}  # noqa: E731
    assert {name: color for name, color in colors(second).items()} == {
        n: colors(first)[n] for n in names[1:]
    }
    assert all(color in RUN_COLORS for color in colors(first).values())
    assert run_color("convnet") == colors(first)["convnet"]


def test_runs_overlay_legend_sits_under_the_plots_with_one_entry_a_run():
    figure = fig_runs_overlay({name: HISTORY for name in ["a", "b", "c", "d", "e", "f"]})
    assert [t.name for t in figure.data if t.showlegend] == ["a", "b", "c", "d", "e", "f"]
    assert (
        figure.layout.legend.y < 0 and figure.layout.legend.yanchor == "top"
    )  # below the x axis, title on top
    assert figure.layout.title.y > 0.9
    with pytest.raises(ValueError, match="choose at least one run"):
        fig_runs_overlay({})


def test_png_data_url_round_trips_the_pixels():
    image = np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)
    url = png_data_url(image)
    assert url.startswith("data:image/png;base64,")
    decoded = cv2.imdecode(
        np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_GRAYSCALE
    )
    np.testing.assert_array_equal(decoded, image)
    with pytest.raises(ValueError, match="2-D uint8"):
        png_data_url(image.astype(np.float32))


def test_message_figure_says_it():
    assert fig_message("nothing here").layout.annotations[0].text == "nothing here"
