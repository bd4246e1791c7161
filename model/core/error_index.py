"""A run's test predictions, indexed for the questions the dashboard asks about its mistakes.

Built once per run from the stored probabilities: after that, the images of any confusion
cell (most confident first) and the most confident mistakes are slices, not computations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config


@dataclass(frozen=True)
class Predictions:
    """True labels, predicted labels and confidence (top probability) of every test image."""

    labels: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    _order: np.ndarray  # indices grouped by (true, predicted) cell, most confident first in each
    _starts: (
        np.ndarray
    )  # (101,) offsets of each cell's slice in _order, cell = 10 * true + predicted
    _mistakes: np.ndarray  # indices of the misclassified images, most confident first

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Test indices labelled `true` and predicted `predicted`, most confident first."""
        for name, value in (("true", true), ("predicted", predicted)):
            if not 0 <= value < config.NUM_CLASSES:
                raise ValueError(f"{name} must be a digit 0-9, got {value!r}")
        cell = true * config.NUM_CLASSES + predicted
        return self._order[self._starts[cell] : self._starts[cell + 1]]

    def most_confused(self) -> tuple[int, int]:
        """The (true, predicted) pair of the most frequent error; (0, 0) when there is none."""
        counts = np.diff(self._starts).reshape(config.NUM_CLASSES, config.NUM_CLASSES).copy()
        np.fill_diagonal(counts, 0)
        if not counts.any():
            return 0, 0
        true, predicted = np.unravel_index(counts.argmax(), counts.shape)
        return int(true), int(predicted)

    def confident_mistakes(self, count: int) -> np.ndarray:
        """The `count` misclassified test indices with the highest confidence, most confident
        first."""
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count}")
        return self._mistakes[:count]


def index_predictions(labels: np.ndarray, probabilities: np.ndarray) -> Predictions:
    """Index the predictions `probabilities` (n, 10) of images with true `labels` (n,)."""
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities)
    if probabilities.shape != (len(labels), config.NUM_CLASSES):
        raise ValueError(
            f"probabilities must have shape ({len(labels)}, 10), got {probabilities.shape}"
        )
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    cells = labels.astype(np.int64) * config.NUM_CLASSES + predicted
    order = np.lexsort((-confidence, cells))
    starts = np.concatenate([[0], np.cumsum(np.bincount(cells, minlength=config.NUM_CLASSES**2))])
    wrong = np.flatnonzero(predicted != labels)
    mistakes = wrong[np.argsort(-confidence[wrong], kind="stable")]
    return Predictions(labels, predicted, confidence, order, starts, mistakes)
