"""Test-set metrics from predicted probabilities: accuracy, loss, confusion matrix, per-class
scores."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from model import config

DIGITS = list(range(config.NUM_CLASSES))


def evaluate_probabilities(y_true: np.ndarray, probabilities: np.ndarray) -> dict:
    """Metrics of `probabilities` (n, 10) against integer labels `y_true` (n,), as a JSON-ready
    dict."""
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(y_true), config.NUM_CLASSES):
        raise ValueError(
            f"probabilities must have shape ({len(y_true)}, 10), got {probabilities.shape}"
        )
    if len(y_true) == 0:
        raise ValueError("y_true is empty")
    predicted = probabilities.argmax(axis=1)
    picked = np.clip(probabilities[np.arange(len(y_true)), y_true], 1e-12, 1.0)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, predicted, labels=DIGITS, zero_division=0
    )
    return {
        "accuracy": float((predicted == y_true).mean()),
        "loss": float(-np.log(picked).mean()),
        "errors": int((predicted != y_true).sum()),
        "count": int(len(y_true)),
        "confusion_matrix": confusion_matrix(y_true, predicted, labels=DIGITS).tolist(),
        "per_class": [
            {
                "digit": digit,
                "precision": float(precision[digit]),
                "recall": float(recall[digit]),
                "f1": float(f1[digit]),
                "support": int(support[digit]),
            }
            for digit in DIGITS
        ],
        "macro_f1": float(f1.mean()),
    }
