"""A small label-suspects file written through the real function, for the Labels page's tests."""

from __future__ import annotations

import numpy as np

from model.trust.labels import build_suspects_file

FLIPS = {3: 8, 100: 1, 777: 4}  # test index: the wrong label given to it


def flipped(mnist, flips: dict[int, int]):
    """Test labels with some flipped, and probabilities that are confident in the original (true)
    labels."""
    labels = mnist.y_test[:2000].astype(np.int64).copy()
    probabilities = np.full((len(labels), 10), 0.01 / 9)
    probabilities[np.arange(len(labels)), labels] = 0.99
    for index, wrong in flips.items():
        labels[index] = wrong
    return labels, probabilities


def write_suspects(path, mnist) -> dict:
    """A small suspects file through the real function: three flipped test labels, two flipped
    training labels."""
    test = flipped(mnist, FLIPS)
    train_labels = mnist.y_train[:1500].astype(np.int64).copy()
    train_probabilities = np.full((1500, 10), 0.02 / 9)
    train_probabilities[np.arange(1500), train_labels] = 0.98
    train_labels[[10, 20]] = (train_labels[[10, 20]] + 1) % 10
    return build_suspects_file(
        path,
        train=(train_labels, train_probabilities),
        test=test,
        sources={"train": "constructed", "test": "constructed"},
    )
