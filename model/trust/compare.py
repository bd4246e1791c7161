"""Is model B really better than model A on the test set? Intervals, McNemar's exact test, where
they differ.

Everything comes from the two runs' stored test probabilities: no model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config
from model.core.metrics import evaluate_probabilities

SIGNIFICANCE = 0.05
CELLS = ("both_right", "only_a", "only_b", "both_wrong")


def wilson_interval(successes: int, total: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion `successes / total` at `confidence` (0-1)."""
    from scipy.stats import norm

    if total <= 0:
        raise ValueError(f"total must be positive, got {total}")
    if not 0 <= successes <= total:
        raise ValueError(f"successes must be between 0 and total ({total}), got {successes}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of `only_a` against `only_a + only_b`
    discordant pairs."""
    from scipy.stats import binomtest

    for name, value in (("only_a", only_a), ("only_b", only_b)):
        if value < 0:
            raise ValueError(f"{name} must be 0 or more, got {value}")
    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(int(only_a), int(only_a + only_b), 0.5).pvalue)


def format_p(p: float) -> str:
    """A p-value for people: three decimals, or '< 0.001'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def verdict(
    name_a: str, name_b: str, only_a: int, only_b: int, *, alpha: float = SIGNIFICANCE
) -> str:
    """Plain words: which model is better on this test set, or that the difference is not
    significant."""
    p = mcnemar_exact(only_a, only_b)
    if p >= alpha or only_a == only_b:
        return (
            f"No significant difference between {name_a} and {name_b} on this test set "
            f"({format_p(p)})."
        )
    better = name_b if only_b > only_a else name_a
    return f"{better} is better on this test set, {format_p(p)}."


@dataclass(frozen=True)
class Comparison:
    """Two runs on the same test images: accuracies with intervals, the agreement cells, the
    differences."""

    accuracy: tuple[float, float]
    interval_a: tuple[float, float]
    interval_b: tuple[float, float]
    cells: dict[str, np.ndarray]  # CELLS name -> test indices
    p_value: float
    confusion_difference: np.ndarray  # (10, 10) int: B's confusion matrix minus A's
    precision: np.ndarray  # (2, 10): A's and B's per-class precision
    recall: np.ndarray  # (2, 10)

    def count(self, cell: str) -> int:
        """How many test images fall in `cell` (one of CELLS)."""
        return int(len(self.cells[cell]))


def compare(
    labels: np.ndarray, probabilities_a: np.ndarray, probabilities_b: np.ndarray
) -> Comparison:
    """Compare two models' probabilities (n, 10) on the same test images with true `labels` (n,)."""
    labels = np.asarray(labels)
    for name, array in (("probabilities_a", probabilities_a), ("probabilities_b", probabilities_b)):
        if np.shape(array) != (len(labels), config.NUM_CLASSES):
            raise ValueError(f"{name} must have shape ({len(labels)}, 10), got {np.shape(array)}")
    right_a = np.argmax(probabilities_a, axis=1) == labels
    right_b = np.argmax(probabilities_b, axis=1) == labels
    cells = {
        "both_right": np.flatnonzero(right_a & right_b),
        "only_a": np.flatnonzero(right_a & ~right_b),
        "only_b": np.flatnonzero(~right_a & right_b),
        "both_wrong": np.flatnonzero(~right_a & ~right_b),
    }
    evaluations = [evaluate_probabilities(labels, p) for p in (probabilities_a, probabilities_b)]
    n = len(labels)
    return Comparison(
        accuracy=(float(right_a.mean()), float(right_b.mean())),
        interval_a=wilson_interval(int(right_a.sum()), n),
        interval_b=wilson_interval(int(right_b.sum()), n),
        cells=cells,
        p_value=mcnemar_exact(len(cells["only_a"]), len(cells["only_b"])),
        confusion_difference=np.subtract(
            evaluations[1]["confusion_matrix"], evaluations[0]["confusion_matrix"]
        ),
        precision=np.array([[row["precision"] for row in e["per_class"]] for e in evaluations]),
        recall=np.array([[row["recall"] for row in e["per_class"]] for e in evaluations]),
    )


def order_cell(
    cell: str,
    indices: np.ndarray,
    labels: np.ndarray,
    probabilities_a: np.ndarray,
    probabilities_b: np.ndarray,
) -> np.ndarray:
    """The `indices` of one agreement cell, most telling first.

    Where one model is right ("only_a", "only_b"): the largest gap between the models' probability
    of
    the true digit first. Where both agree ("both_right", "both_wrong"): the hardest first, that is
    the
    lowest best probability of the true digit between the two models.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    indices = np.asarray(indices, dtype=np.int64)
    true = np.asarray(labels)[indices]
    p_a = np.asarray(probabilities_a)[indices, true]
    p_b = np.asarray(probabilities_b)[indices, true]
    key = -np.abs(p_a - p_b) if cell in ("only_a", "only_b") else np.maximum(p_a, p_b)
    return indices[np.argsort(key, kind="stable")]
