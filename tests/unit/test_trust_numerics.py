"""Numerics of trust: Wilson intervals, McNemar's exact test, calibration error, temperature
scaling, comparisons."""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest

from model.config import PROJECT_ROOT
from model.core.calibration import (
    apply_temperature,
    calibration_summary,
    fit_temperature,
    negative_log_likelihood,
    read_temperature,
    reliability,
    scale_if_calibrated,
)
from model.trust.compare import CELLS, compare, mcnemar_exact, order_cell, verdict, wilson_interval


def test_wilson_interval_known_values():
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    low, high = wilson_interval(0, 10)  # upper bound z^2 / (n + z^2)
    z2 = 1.959963984540054**2
    assert low == 0.0 and high == pytest.approx(z2 / (10 + z2), abs=1e-9)
    low, high = wilson_interval(9967, 10000)
    assert low < 0.9967 < high and high - low < 0.003


@pytest.mark.parametrize("args", [(1, 0), (-1, 10), (11, 10)])
def test_wilson_interval_rejects_impossible_counts(args):
    with pytest.raises(ValueError, match="total|successes"):
        wilson_interval(*args)


def test_mcnemar_exact_against_a_table_worked_by_hand():
    # Discordant pairs b = 1, c = 9: p = 2 * (C(10,0) + C(10,1)) / 2^10 = 22 / 1024.
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    assert mcnemar_exact(9, 1) == pytest.approx(22 / 1024)
    # b = 48, c = 15: the two shipped runs' discordant pairs; the exact sum.
    tail = sum(comb(63, k) for k in range(16)) / 2**63
    assert mcnemar_exact(48, 15) == pytest.approx(2 * tail, rel=1e-9)
    assert mcnemar_exact(5, 5) == 1.0 and mcnemar_exact(0, 0) == 1.0


def test_verdict_in_plain_words():
    assert verdict("a", "b", 1, 9) == "b is better on this test set, p = 0.021."
    assert verdict("a", "b", 48, 15) == "a is better on this test set, p < 0.001."
    assert verdict("a", "b", 4, 6).startswith("No significant difference between a and b")


def _probabilities(predicted: np.ndarray, confidence: float = 0.9) -> np.ndarray:
    out = np.full((len(predicted), 10), (1 - confidence) / 9)
    out[np.arange(len(predicted)), predicted] = confidence
    return out


def test_compare_splits_the_test_set_into_four_cells_and_differences():
    labels = np.array([0, 1, 2, 3, 4, 5])
    a = _probabilities(np.array([0, 1, 2, 9, 9, 5]))  # right on 0, 1, 2, 5
    b = _probabilities(np.array([0, 7, 2, 3, 9, 5]))  # right on 0, 2, 3, 5
    result = compare(labels, a, b)
    assert {name: result.cells[name].tolist() for name in CELLS} == {
        "both_right": [0, 2, 5],
        "only_a": [1],
        "only_b": [3],
        "both_wrong": [4],
    }
    assert result.accuracy == (4 / 6, 4 / 6)
    assert result.confusion_difference[1, 1] == -1 and result.confusion_difference[1, 7] == 1
    assert result.confusion_difference[3, 3] == 1 and result.confusion_difference[3, 9] == -1
    assert result.confusion_difference.sum(axis=1).tolist() == [0] * 10
    assert result.recall[:, 1].tolist() == [1.0, 0.0] and result.recall[:, 3].tolist() == [0.0, 1.0]


def test_order_cell_puts_the_largest_disagreement_first():
    labels = np.array([0, 0, 0])
    a = np.array([[0.9] + [0.1 / 9] * 9, [0.6] + [0.4 / 9] * 9, [0.99] + [0.01 / 9] * 9])
    b = np.full((3, 10), 0.1)
    assert order_cell("only_a", np.array([0, 1, 2]), labels, a, b).tolist() == [2, 0, 1]
    assert order_cell("both_right", np.array([0, 1, 2]), labels, a, b).tolist() == [1, 0, 2]
    with pytest.raises(ValueError, match="cell must be one of"):
        order_cell("neither", np.array([0]), labels, a, b)


def test_reliability_and_calibration_errors_on_constructed_examples():
    # Four images at confidence 0.8, three right: one bin with gap 0.05.
    labels = np.array([0, 0, 0, 0])
    probabilities = np.array([[0.8, 0.2] + [0] * 8] * 3 + [[0.2, 0.8] + [0] * 8])
    bins = reliability(labels, probabilities, bins=10)
    assert bins.counts.tolist() == [0] * 7 + [4] + [0] * 2  # 0.8 falls in (0.7, 0.8]
    assert bins.accuracy[7] == 0.75 and bins.confidence[7] == pytest.approx(0.8)
    assert bins.ece == pytest.approx(0.05) and bins.mce == pytest.approx(0.05)
    # Perfectly calibrated: confidence 0.75, three of four right.
    perfect = np.array([[0.75, 0.25] + [0] * 8] * 3 + [[0.25, 0.75] + [0] * 8])
    assert reliability(labels, perfect, bins=10).ece == pytest.approx(0.0)
    # Two bins of one image each: right at 0.95 (gap 0.05), wrong at 0.55 (gap 0.55).
    labels2 = np.array([0, 1])
    two = np.array([[0.95, 0.05] + [0] * 8, [0.55, 0.45] + [0] * 8])
    bins2 = reliability(labels2, two, bins=10)
    assert bins2.ece == pytest.approx((0.05 + 0.55) / 2) and bins2.mce == pytest.approx(0.55)


def test_reliability_edges_go_to_the_end_bins():
    probabilities = np.eye(10)[[3, 3]]  # confidence exactly 1.0
    assert reliability(np.array([3, 4]), probabilities, bins=15).counts[-1] == 2
    with pytest.raises(ValueError, match="bins must be between"):
        reliability(np.array([3]), probabilities[:1], bins=0)


def _overconfident(seed: int = 0, n: int = 4000, sharpen: float = 3.0):
    """Labels drawn from softmax(logits) and the model's probabilities softmax(sharpen * logits):
    overconfident."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, (n, 10))
    honest = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(10, p=row) for row in honest])
    return labels, apply_temperature(honest, 1 / sharpen)


def test_temperature_scaling_lowers_validation_nll_and_recovers_the_temperature():
    labels, probabilities = _overconfident()
    temperature = fit_temperature(labels, probabilities)
    assert temperature == pytest.approx(3.0, rel=0.1)
    after = apply_temperature(probabilities, temperature)
    assert (
        negative_log_likelihood(labels, after)
        < negative_log_likelihood(labels, probabilities) - 0.1
    )
    assert (after.argmax(axis=1) == probabilities.argmax(axis=1)).all()  # answers never change
    assert reliability(labels, after).ece < reliability(labels, probabilities).ece


def test_calibration_summary_fits_on_validation_and_measures_test():
    val_labels, val_probabilities = _overconfident(seed=1)
    test_labels, test_probabilities = _overconfident(seed=2)
    summary = calibration_summary(val_labels, val_probabilities, test_labels, test_probabilities)
    assert summary["validation_nll"]["calibrated"] < summary["validation_nll"]["raw"]
    assert summary["test_ece"]["calibrated"] < summary["test_ece"]["raw"]
    json.dumps(summary)  # JSON-ready


def test_apply_temperature_one_is_identity_and_rejects_bad_temperatures():
    probabilities = _probabilities(np.array([1, 2]))
    np.testing.assert_allclose(apply_temperature(probabilities, 1.0), probabilities, atol=1e-6)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature must be a positive number"):
            apply_temperature(probabilities, bad)


def test_only_a_calibrated_run_rescales_its_probabilities():
    probabilities = _probabilities(np.array([1, 2]))
    assert scale_if_calibrated(probabilities, None) is probabilities
    sharper = scale_if_calibrated(probabilities, 0.5)
    np.testing.assert_allclose(sharper, apply_temperature(probabilities, 0.5))
    assert (sharper.max(axis=1) > probabilities.max(axis=1)).all()


@pytest.mark.parametrize("run", ["wide_cnn-strong", "convnet"])
def test_the_shipped_runs_are_calibrated_on_validation(run):
    directory = PROJECT_ROOT / "runs" / run
    summary = json.loads((directory / "calibration.json").read_text())
    assert read_temperature(directory) == summary["temperature"] > 0
    assert summary["validation_nll"]["calibrated"] <= summary["validation_nll"]["raw"]


def test_read_temperature_of_a_run_without_or_with_a_broken_file(tmp_path):
    assert read_temperature(tmp_path) is None
    (tmp_path / "calibration.json").write_text("{not json")
    assert read_temperature(tmp_path) is None
    (tmp_path / "calibration.json").write_text('{"temperature": -2}')
    assert read_temperature(tmp_path) is None
