"""Train an architecture on MNIST and write a complete run directory.

Usage: `python -m model.train [--arch deep_cnn] [--epochs 30] [--out runs/NAME] ...`; see --help.
The validation set is held out from the training images with a fixed seed; the test set is
used once, at the end, for the evaluation stored in the run.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import sklearn
import tensorflow as tf

from model import config
from model.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE, build_model
from model.data import DataError, load_mnist, pixels, validation_split
from model.inference import Predictor
from model.metrics import evaluate_probabilities
from model.runs import load_run, write_json, write_run

PRECISIONS = ("mixed_bfloat16", "float32")
STRATEGIES = ("default", "mirrored")


@dataclass
class TrainConfig:
    """Everything that defines a training run; the defaults train the shipped model."""

    architecture: str = DEFAULT_ARCHITECTURE
    epochs: int = 35
    batch_size: int = 128
    augment: bool | None = None  # None: on for deep_cnn, off for the others
    train_size: int | None = None  # None: all 55,000 images left after the validation split
    learning_rate: float = 2e-3  # peak of the warm-up + cosine schedule
    seed: int = 0
    precision: str = "mixed_bfloat16"
    strategy: str = "default"
    out: Path = field(default_factory=lambda: config.DEFAULT_RUN)

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {sorted(ARCHITECTURES)}, got {self.architecture!r}")
        if self.augment is None:
            self.augment = self.architecture == "deep_cnn"
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.train_size is not None and self.train_size < self.batch_size:
            raise ValueError(f"train_size must be at least batch_size ({self.batch_size}), got {self.train_size}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        self.out = Path(self.out)


class EpochRecorder(keras.callbacks.Callback):
    """Adds the learning rate and the epoch's wall time to the epoch logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        logs["seconds"] = time.perf_counter() - self._start


def _datasets(cfg: TrainConfig):
    """The repeating, shuffled training dataset, its steps per epoch, the validation dataset and the test arrays."""
    mnist = load_mnist()
    split = validation_split(mnist)
    x_train, y_train = split.x_train, split.y_train
    if cfg.train_size is not None and cfg.train_size < len(y_train):
        subset = np.sort(np.random.default_rng(cfg.seed).choice(len(y_train), cfg.train_size, replace=False))
        x_train, y_train = x_train[subset], y_train[subset]
    train = (
        tf.data.Dataset.from_tensor_slices((pixels(x_train)[..., None], y_train.astype(np.int32)))
        .shuffle(len(y_train), seed=cfg.seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(cfg.batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    validation = (
        tf.data.Dataset.from_tensor_slices((pixels(split.x_val)[..., None], split.y_val.astype(np.int32)))
        .batch(1000)
        .cache()
    )
    steps = math.ceil(len(y_train) / cfg.batch_size)
    return train, steps, validation, len(y_train), mnist


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


def train(cfg: TrainConfig, *, callbacks: Sequence = (), verbose: int = 1) -> Path:
    """Train as `cfg` says, evaluate on the test set and write the run directory `cfg.out`; return it.

    `callbacks` are extra Keras callbacks (for example live progress); one that sets
    `model.stop_training` ends the run early, and raising from one aborts it with nothing written.
    """
    started = time.time()
    keras.utils.set_random_seed(cfg.seed)
    train_ds, steps, val_ds, n_train, mnist = _datasets(cfg)
    previous_policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(cfg.precision)
    try:
        with _strategy(cfg.strategy).scope():
            model = build_model(cfg.architecture, augment=cfg.augment, seed=cfg.seed)
            total_steps = steps * cfg.epochs
            schedule = keras.optimizers.schedules.CosineDecay(
                initial_learning_rate=cfg.learning_rate / 20,
                decay_steps=max(1, total_steps - steps),
                warmup_target=cfg.learning_rate,
                warmup_steps=steps,
                alpha=0.005,
            )
            model.compile(
                optimizer=keras.optimizers.Adam(schedule),
                loss=keras.losses.SparseCategoricalCrossentropy(),
                metrics=["accuracy"],
            )
        history = model.fit(
            train_ds,
            epochs=cfg.epochs,
            steps_per_epoch=steps,
            validation_data=val_ds,
            callbacks=[EpochRecorder(), *callbacks],
            shuffle=False,  # the dataset shuffles itself
            verbose=verbose,
        )
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)

    # The shipped model is float32 (exact gradients for explanations): same architecture, same weights.
    keras.mixed_precision.set_global_policy("float32")
    try:
        final = build_model(cfg.architecture, augment=cfg.augment, seed=cfg.seed)
        final.set_weights(model.get_weights())
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    probabilities = Predictor(final).predict(pixels(mnist.x_test))
    evaluation = evaluate_probabilities(mnist.y_test, probabilities)
    epochs_done = len(history.history.get("loss", []))
    metadata = {
        "name": cfg.out.name,
        "architecture": cfg.architecture,
        "parameters": int(final.count_params()),
        "hyperparameters": {
            **{k: v for k, v in asdict(cfg).items() if k not in ("out", "seed", "architecture")},
            "train_images": n_train,
            "validation_images": config.VALIDATION_SIZE,
            "optimizer": "Adam",
            "schedule": "1-epoch linear warm-up, then cosine decay",
        },
        "seed": cfg.seed,
        "epochs": epochs_done,
        "duration_seconds": round(time.time() - started, 1),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "test_accuracy": evaluation["accuracy"],
        "test_errors": evaluation["errors"],
    }

    def fill(directory: Path) -> None:
        final.save(directory / "model.keras")
        rows = [
            {"epoch": epoch + 1, **{key: float(values[epoch]) for key, values in history.history.items()}}
            for epoch in range(epochs_done)
        ]
        pd.DataFrame(rows).to_csv(directory / "history.csv", index=False)
        np.save(directory / "test_probabilities.npy", probabilities.astype(np.float32))
        write_json(directory / "evaluation.json", evaluation)
        write_json(directory / "metadata.json", metadata)

    return write_run(cfg.out, fill)


def parse_args(argv: list[str] | None) -> TrainConfig:
    """Read the command line into a `TrainConfig`."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=defaults.architecture)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument(
        "--augment", action=argparse.BooleanOptionalAction, default=None,
        help="random rotation/shift/zoom (default: on for deep_cnn only)",
    )
    parser.add_argument("--train-size", type=int, default=None, help="train on a random subset of this many images")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    parser.add_argument("--strategy", choices=STRATEGIES, default=defaults.strategy, help="tf.distribute strategy")
    parser.add_argument("--out", type=Path, default=None, help="run directory (default: runs/ARCH)")
    args = parser.parse_args(argv)
    try:
        return TrainConfig(
            architecture=args.arch,
            epochs=args.epochs,
            batch_size=args.batch_size,
            augment=args.augment,
            train_size=args.train_size,
            learning_rate=args.learning_rate,
            seed=args.seed,
            precision=args.precision,
            strategy=args.strategy,
            out=args.out or config.RUNS_DIR / args.arch,
        )
    except ValueError as error:
        parser.error(str(error))


def main(argv: list[str] | None = None) -> int:
    """Train from the command line and print where the run went and its test accuracy."""
    cfg = parse_args(argv)
    try:
        run_dir = train(cfg)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: no run was written", file=sys.stderr)
        return 130
    run = load_run(run_dir)
    print(f"wrote {run_dir}: test accuracy {run.evaluation['accuracy']:.4f} "
          f"({run.evaluation['errors']} errors) in {run.metadata['duration_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
