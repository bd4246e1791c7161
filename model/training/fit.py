"""Train an architecture on MNIST and write a complete run directory.

The command line is `model.training.command` (`python -m model.train`). The validation set is held
out from the training images with a fixed seed; the test set is used once, at the end, for the
evaluation stored in the run.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import sklearn
import tensorflow as tf

from model import config
from model.core.evaluation import evaluate_model
from model.core.mnist import Mnist, load_mnist, pixels, validation_split
from model.core.runs import RunFiles, write_json, write_run
from model.training import recipe
from model.training.architectures import build_model
from model.training.calibrate import calibrate_run
from model.training.pipeline import evaluation_dataset, steps_per_epoch, training_dataset
from model.training.settings import TrainConfig

log = logging.getLogger(__name__)


class EpochRecorder(keras.callbacks.Callback):
    """Adds the learning rate and the epoch's wall time to the epoch logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        logs["seconds"] = time.perf_counter() - self._start


@dataclass(frozen=True)
class TrainingData:
    """The endless training dataset, its steps per epoch, the validation dataset and all of MNIST
    (None: not used)."""

    train: tf.data.Dataset
    steps: int
    validation: tf.data.Dataset | None
    train_images: int
    mnist: Mnist | None


def _datasets(cfg: TrainConfig) -> TrainingData:
    """The data of a training as `cfg` says (a random subset of `cfg.train_size` images if set)."""
    mnist = load_mnist()
    split = validation_split(mnist)
    x_train, y_train = split.x_train, split.y_train
    if cfg.train_size is not None and cfg.train_size < len(y_train):
        subset = np.sort(
            np.random.default_rng(cfg.seed).choice(len(y_train), cfg.train_size, replace=False)
        )
        x_train, y_train = x_train[subset], y_train[subset]
    train, steps = _batches(cfg, x_train, y_train)
    validation = evaluation_dataset(pixels(split.x_val)[..., None], split.y_val)
    return TrainingData(train, steps, validation, len(y_train), mnist)


def _batches(
    cfg: TrainConfig, images: np.ndarray, labels: np.ndarray
) -> tuple[tf.data.Dataset, int]:
    """The endless in-memory training batches of uint8 `images` as `cfg` says, and the steps of an
    epoch."""
    strength = cfg.augment_strength if cfg.augment else 0.0
    if not cfg.augment:
        log.info("augmentation off")
    train = training_dataset(
        pixels(images)[..., None],
        labels,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        augment_strength=strength,
    )
    steps = steps_per_epoch(len(labels), cfg.batch_size)
    return train, recipe.steps_rounded(
        steps, min(cfg.steps_per_execution, steps)
    )  # whole executions per epoch


def fit_images(
    cfg: TrainConfig, images: np.ndarray, labels: np.ndarray, *, verbose: int = 0
) -> keras.Model:
    """A float32 model fitted as `cfg` says on uint8 `images` (n, 28, 28) and `labels` alone: no
    validation, no run."""
    keras.utils.set_random_seed(cfg.seed)
    train, steps = _batches(cfg, images, labels)
    model, _ = _fit(cfg, TrainingData(train, steps, None, len(labels), None), (), verbose)
    return _float32_copy(cfg, model)


def _strategy(name: str):
    return tf.distribute.MirroredStrategy() if name == "mirrored" else tf.distribute.get_strategy()


def _versions() -> dict:
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _compile(cfg: TrainConfig, steps: int) -> keras.Model:
    """Build the architecture (in `cfg.precision`) and compile it with the recipe `cfg` asks for."""
    model = build_model(cfg.architecture, augment=False, seed=cfg.seed)  # the pipeline augments
    total_steps = steps * cfg.epochs
    recipe.fit_batch_norm_to_run(model, total_steps)
    schedule = recipe.learning_rate_schedule(
        cfg.schedule, peak=cfg.learning_rate, steps_per_epoch=steps, epochs=cfg.epochs
    )
    model.compile(
        optimizer=recipe.optimizer(
            schedule=schedule,
            beta_1=cfg.beta_1,
            beta_2=cfg.beta_2,
            ema=cfg.ema,
            total_steps=total_steps,
        ),
        loss=recipe.loss(cfg.label_smoothing),
        metrics=["accuracy"],
        steps_per_execution=min(cfg.steps_per_execution, steps),
    )
    return model


def _fit(
    cfg: TrainConfig, data: TrainingData, callbacks: Sequence, verbose: int
) -> tuple[keras.Model, dict]:
    """Build, compile and fit the model under `cfg.precision` and `cfg.strategy`; return it and its
    history."""
    previous_policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(cfg.precision)
    try:
        with _strategy(cfg.strategy).scope():
            model = _compile(cfg, data.steps)
        history = model.fit(
            data.train,
            epochs=cfg.epochs,
            steps_per_epoch=data.steps,
            validation_data=data.validation,
            callbacks=[EpochRecorder(), *callbacks],
            shuffle=False,  # the dataset shuffles itself
            verbose=verbose,
        )
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return model, history.history


def _float32_copy(cfg: TrainConfig, model: keras.Model) -> keras.Model:
    """The same architecture with the same weights in float32: the shipped model (exact gradients
    for explanations)."""
    previous_policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    try:
        final = build_model(cfg.architecture, augment=False, seed=cfg.seed)
        final.set_weights(model.get_weights())
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return final


def _metadata(
    cfg: TrainConfig,
    data: TrainingData,
    final: keras.Model,
    history: dict,
    evaluation: dict,
    started: float,
) -> dict:
    """What `metadata.json` says about the run."""
    return {
        "name": cfg.out.name,
        "architecture": cfg.architecture,
        "parameters": int(final.count_params()),
        "preset": cfg.preset,
        "hyperparameters": {
            **{
                k: v
                for k, v in asdict(cfg).items()
                if k not in ("out", "seed", "architecture", "preset")
            },
            "train_images": data.train_images,
            "validation_images": config.VALIDATION_SIZE,
            "optimizer": "Adam",
            "batch_norm_momentum": recipe.batch_norm_momentum(data.steps * cfg.epochs),
            "ema_momentum": recipe.ema_momentum(data.steps * cfg.epochs) if cfg.ema else None,
        },
        "evaluation": {"test_time_augmentation": evaluation.get("test_time_augmentation")},
        "seed": cfg.seed,
        "epochs": len(history.get("loss", [])),
        "duration_seconds": round(time.time() - started, 1),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "test_accuracy": evaluation["accuracy"],
        "test_errors": evaluation["errors"],
    }


def _write(
    out: Path,
    final: keras.Model,
    history: dict,
    probabilities: np.ndarray,
    evaluation: dict,
    metadata: dict,
) -> Path:
    """Write the run directory `out` atomically (see `model.core.runs.write_run`)."""

    def fill(directory: Path) -> None:
        files = RunFiles(directory)
        final.save(files.model)
        epochs = len(history.get("loss", []))
        rows = [
            {"epoch": epoch + 1, **{key: float(values[epoch]) for key, values in history.items()}}
            for epoch in range(epochs)
        ]
        pd.DataFrame(rows).to_csv(files.history, index=False)
        np.save(files.probabilities, probabilities.astype(np.float32))
        write_json(files.evaluation, evaluation)
        write_json(files.metadata, metadata)
        calibrate_run(
            directory
        )  # temperature scaling fitted on the validation split, inside the atomic write

    return write_run(out, fill)


def train(cfg: TrainConfig, *, callbacks: Sequence = (), verbose: int = 1) -> Path:
    """Train as `cfg` says, evaluate on the test set and write the run directory `cfg.out`; return
    it.

    `callbacks` are extra Keras callbacks (for example live progress); one that sets
    `model.stop_training` ends the run early, and raising from one aborts it with nothing written.
    The caller admits the training (`model.training.admission.admitted_training`); this does not
    lock.
    """
    started = time.time()
    keras.utils.set_random_seed(cfg.seed)
    log.info("training %s: %s, %d epochs, seed %d", cfg.out, cfg.architecture, cfg.epochs, cfg.seed)
    data = _datasets(cfg)
    model, history = _fit(cfg, data, callbacks, verbose)
    final = _float32_copy(cfg, model)
    if data.mnist is None:  # `_datasets` always loads it; only `fit_images` goes without
        raise RuntimeError("training data without the test set")
    probabilities, evaluation = evaluate_model(final, data.mnist, tta=cfg.tta)
    metadata = _metadata(cfg, data, final, history, evaluation, started)
    run_dir = _write(cfg.out, final, history, probabilities, evaluation, metadata)
    log.info(
        "wrote %s: test accuracy %.4f after %d epochs",
        run_dir,
        evaluation["accuracy"],
        metadata["epochs"],
    )
    return run_dir
