"""Out-of-sample probabilities for every training image by k-fold cross-validation.

Each image's probabilities come from a model that never saw it: the 60,000 training images are
split into `folds` stratified parts, and one model per part is trained on the others with the
`quick` preset (`cross_validation_config()`), through the same pipeline as `python -m model.train`.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from model import config
from model.core.mnist import pixels
from model.training.fit import TrainConfig, fit_images
from model.training.settings import preset_config

log = logging.getLogger(__name__)

DEFAULT_FOLDS = 5
PRESET = "quick"


def cross_validation_config(seed: int = 0) -> TrainConfig:
    """The per-fold training: the quick preset without label smoothing (about 12 s per fold of
    48,000 images on
    2 idle cores).

    Confident learning compares each probability with its class's mean confidence; label smoothing
    caps
    every confidence near 0.9, so label errors fall under the thresholds: 10 training suspects with
    it,
    64 without (9 of them among 20 published blatant MNIST training-label errors).
    """
    return preset_config(PRESET, label_smoothing=0.0, seed=seed)


def fit_and_predict(
    cfg: TrainConfig, x_fit: np.ndarray, y_fit: np.ndarray, x_out: np.ndarray
) -> np.ndarray:
    """Train as `cfg` says on uint8 images `x_fit` (n, 28, 28); return float32 probabilities (m, 10)
    of `x_out`."""
    from model.core.predictor import Predictor

    return Predictor(fit_images(cfg, x_fit, y_fit)).predict(pixels(x_out)).astype(np.float32)


def cross_validated_probabilities(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    folds: int = DEFAULT_FOLDS,
    cfg: TrainConfig | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Float32 (n, 10): each image's probabilities from the fold model that did not train on it."""
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if len(images) != len(labels):
        raise ValueError(
            f"images and labels must have the same length, got {len(images)} and {len(labels)}"
        )
    cfg = cfg or cross_validation_config(seed)
    out = np.full((len(labels), config.NUM_CLASSES), np.nan, np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit, held_out) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        started = time.perf_counter()
        out[held_out] = fit_and_predict(cfg, images[fit], labels[fit], images[held_out])
        accuracy = float((out[held_out].argmax(1) == labels[held_out]).mean())
        log.info(
            "fold %d/%d: held-out accuracy %.4f in %.0f s",
            fold + 1,
            folds,
            accuracy,
            time.perf_counter() - started,
        )
    return out
