"""Dataset statistics: label counts, and per-pixel mean, variance and standard deviation per class.

Pixel statistics are over the 60,000 training images on the models' [0, 1] scale. They take
well under a second: the app computes them once at start (its service keeps them), nothing is
written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config
from model.core.mnist import Mnist


@dataclass(frozen=True)
class DatasetStatistics:
    """Label counts of both splits and pixel statistics of the training images.

    Pixel arrays have shape (11, 28, 28): one image per digit 0-9, then the whole set at index 10.
    """

    train_counts: np.ndarray
    test_counts: np.ndarray
    mean: np.ndarray
    variance: np.ndarray

    @property
    def std(self) -> np.ndarray:
        """Pixel-wise standard deviation, same layout as `mean`."""
        return np.sqrt(self.variance)


OVERALL = config.NUM_CLASSES  # index of the whole-set image in the pixel arrays


def label_counts(labels: np.ndarray) -> np.ndarray:
    """How many of each digit 0-9 `labels` holds, shape (10,)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= config.NUM_CLASSES):
        raise ValueError(
            f"labels must be digits 0-9, got values from {labels.min()} to {labels.max()}"
        )
    return np.bincount(labels, minlength=config.NUM_CLASSES)


def pixel_statistics(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and variance of uint8 `images` scaled to [0, 1], per digit and overall: (11,
    28, 28) each."""
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(
            f"images must be (n, 28, 28) with one label each, got {images.shape} and {labels.shape}"
        )
    flat = images.reshape(len(images), -1)
    sums = np.zeros((config.NUM_CLASSES + 1, flat.shape[1]))
    squares = np.zeros_like(sums)
    counts = label_counts(labels).astype(np.float64)
    for digit in range(config.NUM_CLASSES):
        chunk = flat[labels == digit].astype(np.float64) / 255.0
        sums[digit] = chunk.sum(axis=0)
        squares[digit] = np.square(chunk).sum(axis=0)
    sums[OVERALL], squares[OVERALL] = sums[:OVERALL].sum(axis=0), squares[:OVERALL].sum(axis=0)
    counts = np.append(counts, counts.sum())[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
        variance = np.maximum(squares / counts - np.square(mean), 0.0)
    shape = (config.NUM_CLASSES + 1, *images.shape[1:])
    return mean.reshape(shape).astype(np.float32), variance.reshape(shape).astype(np.float32)


def compute_statistics(mnist: Mnist) -> DatasetStatistics:
    """Label counts of both splits and pixel statistics of the training images of `mnist`."""
    mean, variance = pixel_statistics(mnist.x_train, mnist.y_train)
    return DatasetStatistics(
        label_counts(mnist.y_train), label_counts(mnist.y_test), mean, variance
    )


def class_sample(labels: np.ndarray, digit: int, count: int, seed: int) -> np.ndarray:
    """Indices of `count` images (fewer if the class is smaller) labelled `digit`, chosen with
    `seed`."""
    if not 0 <= digit < config.NUM_CLASSES:
        raise ValueError(f"digit must be 0-9, got {digit!r}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    members = np.flatnonzero(np.asarray(labels) == digit)
    chosen = np.random.default_rng(seed).choice(
        len(members), min(count, len(members)), replace=False
    )
    return members[chosen]
