"""Out-of-sample probabilities for every training image by k-fold cross-validation.

Each image's probabilities come from a model that never saw it: the 60,000 training images are
split into `folds` stratified parts, and one small model per part is trained on the others.
`cross_validation_config()` says which model and schedule; it takes a `TrainConfig` so that a
faster preset can replace it without touching this module.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from model import config
from model.data import pixels
from model.train import TrainConfig

log = logging.getLogger(__name__)

DEFAULT_FOLDS = 5


def cross_validation_config() -> TrainConfig:
    """The per-fold training: the small convnet, 3 epochs, float32 (about a minute per fold on 2 idle cores)."""
    return TrainConfig(architecture="convnet", epochs=3, batch_size=128, learning_rate=2e-3, precision="float32")


def fit_and_predict(cfg: TrainConfig, x_fit: np.ndarray, y_fit: np.ndarray, x_out: np.ndarray) -> np.ndarray:
    """Train `cfg.architecture` on uint8 images `x_fit` (n, 28, 28) for `cfg.epochs`; return float32 (m, 10) for `x_out`."""
    import keras

    from model.architectures import build_model
    from model.inference import Predictor

    keras.utils.set_random_seed(cfg.seed)
    model = build_model(cfg.architecture, augment=bool(cfg.augment), seed=cfg.seed)
    steps = int(np.ceil(len(y_fit) / cfg.batch_size)) * cfg.epochs
    schedule = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, decay_steps=steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    model.fit(pixels(x_fit)[..., None], y_fit.astype(np.int32), epochs=cfg.epochs, batch_size=cfg.batch_size,
              shuffle=True, verbose=0)
    return Predictor(model).predict(pixels(x_out)).astype(np.float32)


def cross_validated_probabilities(
    images: np.ndarray, labels: np.ndarray, *, folds: int = DEFAULT_FOLDS, cfg: TrainConfig | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Float32 (n, 10): each image's probabilities from the fold model that did not train on it."""
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if len(images) != len(labels):
        raise ValueError(f"images and labels must have the same length, got {len(images)} and {len(labels)}")
    cfg = cfg or cross_validation_config()
    out = np.full((len(labels), config.NUM_CLASSES), np.nan, np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit, held_out) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        started = time.perf_counter()
        out[held_out] = fit_and_predict(cfg, images[fit], labels[fit], images[held_out])
        accuracy = float((out[held_out].argmax(1) == labels[held_out]).mean())
        log.info("fold %d/%d: held-out accuracy %.4f in %.0f s", fold + 1, folds, accuracy,
                 time.perf_counter() - started)
    return out
