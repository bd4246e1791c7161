"""Train an architecture on MNIST and write a complete run directory.

Usage: `python -m model.train [--arch deep_cnn] [--epochs 30] [--out runs/NAME] ...`; see --help.
The validation set is held out from the training images with a fixed seed; the test set is
used once, at the end, for the evaluation stored in the run.
"""

from __future__ import annotations

import argparse
import logging
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
from model.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE, build_model, check_architecture
from model.admission import TrainingBusyError, admitted_training
from model.data import DataError, Mnist, load_mnist, pixels, validation_split
from model.inference import Predictor
from model.metrics import evaluate_probabilities
from model.runs import RunError, load_run, write_json, write_run

PRECISIONS = ("mixed_bfloat16", "float32")
STRATEGIES = ("default", "mirrored")

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything that defines a training run; the defaults train the shipped model."""

    architecture: str = DEFAULT_ARCHITECTURE
    epochs: int = 35
    batch_size: int = 128
    augment: bool | None = None  # None: the architecture's own default (`Architecture.augment`)
    train_size: int | None = None  # None: all 55,000 images left after the validation split
    learning_rate: float = 2e-3  # peak of the warm-up + cosine schedule
    seed: int = 0
    precision: str = "mixed_bfloat16"
    strategy: str = "default"
    out: Path = field(default_factory=lambda: config.DEFAULT_RUN)

    def __post_init__(self) -> None:
        architecture = check_architecture(self.architecture)
        if self.augment is None:
            self.augment = architecture.augment
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


@dataclass(frozen=True)
class TrainingData:
    """The repeating, shuffled training dataset, its steps per epoch, the validation dataset and all of MNIST."""

    train: tf.data.Dataset
    steps: int
    validation: tf.data.Dataset
    train_images: int
    mnist: Mnist


def _datasets(cfg: TrainConfig) -> TrainingData:
    """The data of a training as `cfg` says (a random subset of `cfg.train_size` images if set)."""
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
    return TrainingData(train, steps, validation, len(y_train), mnist)


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
    """Build the architecture in `cfg.precision` and compile it with Adam on a warm-up + cosine schedule."""
    model = build_model(cfg.architecture, augment=cfg.augment, seed=cfg.seed)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.learning_rate / 20,
        decay_steps=max(1, steps * cfg.epochs - steps),
        warmup_target=cfg.learning_rate,
        warmup_steps=steps,
        alpha=0.005,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def _fit(cfg: TrainConfig, data: TrainingData, callbacks: Sequence, verbose: int) -> tuple[keras.Model, dict]:
    """Build, compile and fit the model under `cfg.precision` and `cfg.strategy`; return it and its history."""
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
    """The same architecture with the same weights in float32: the shipped model (exact gradients for explanations)."""
    previous_policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    try:
        final = build_model(cfg.architecture, augment=cfg.augment, seed=cfg.seed)
        final.set_weights(model.get_weights())
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return final


def _metadata(cfg: TrainConfig, data: TrainingData, final: keras.Model, history: dict, evaluation: dict,
              started: float) -> dict:
    """What `metadata.json` says about the run."""
    return {
        "name": cfg.out.name,
        "architecture": cfg.architecture,
        "parameters": int(final.count_params()),
        "hyperparameters": {
            **{k: v for k, v in asdict(cfg).items() if k not in ("out", "seed", "architecture")},
            "train_images": data.train_images,
            "validation_images": config.VALIDATION_SIZE,
            "optimizer": "Adam",
            "schedule": "1-epoch linear warm-up, then cosine decay",
        },
        "seed": cfg.seed,
        "epochs": len(history.get("loss", [])),
        "duration_seconds": round(time.time() - started, 1),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "test_accuracy": evaluation["accuracy"],
        "test_errors": evaluation["errors"],
    }


def _write(out: Path, final: keras.Model, history: dict, probabilities: np.ndarray, evaluation: dict,
           metadata: dict) -> Path:
    """Write the run directory `out` atomically (see `model.runs.write_run`)."""

    def fill(directory: Path) -> None:
        final.save(directory / "model.keras")
        epochs = len(history.get("loss", []))
        rows = [{"epoch": epoch + 1, **{key: float(values[epoch]) for key, values in history.items()}}
                for epoch in range(epochs)]
        pd.DataFrame(rows).to_csv(directory / "history.csv", index=False)
        np.save(directory / "test_probabilities.npy", probabilities.astype(np.float32))
        write_json(directory / "evaluation.json", evaluation)
        write_json(directory / "metadata.json", metadata)

    return write_run(out, fill)


def train(cfg: TrainConfig, *, callbacks: Sequence = (), verbose: int = 1) -> Path:
    """Train as `cfg` says, evaluate on the test set and write the run directory `cfg.out`; return it.

    `callbacks` are extra Keras callbacks (for example live progress); one that sets
    `model.stop_training` ends the run early, and raising from one aborts it with nothing written.
    The caller admits the training (`model.admission.admitted_training`); this does not lock.
    """
    started = time.time()
    keras.utils.set_random_seed(cfg.seed)
    log.info("training %s: %s, %d epochs, seed %d", cfg.out, cfg.architecture, cfg.epochs, cfg.seed)
    data = _datasets(cfg)
    model, history = _fit(cfg, data, callbacks, verbose)
    final = _float32_copy(cfg, model)
    probabilities = Predictor(final).predict(pixels(data.mnist.x_test))
    evaluation = evaluate_probabilities(data.mnist.y_test, probabilities)
    metadata = _metadata(cfg, data, final, history, evaluation, started)
    run_dir = _write(cfg.out, final, history, probabilities, evaluation, metadata)
    log.info("wrote %s: test accuracy %.4f after %d epochs", run_dir, evaluation["accuracy"], metadata["epochs"])
    return run_dir


def _parser() -> argparse.ArgumentParser:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=defaults.architecture)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument(
        "--augment", action=argparse.BooleanOptionalAction, default=None,
        help="random rotation/shift/zoom (default: the architecture's own, on for deep_cnn only)",
    )
    parser.add_argument("--train-size", type=int, default=None, help="train on a random subset of this many images")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    parser.add_argument("--strategy", choices=STRATEGIES, default=defaults.strategy, help="tf.distribute strategy")
    parser.add_argument("--out", type=Path, default=None, help="run directory (default: runs/ARCH)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run of that name")
    return parser


def _config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> TrainConfig:
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


def parse_args(argv: list[str] | None) -> TrainConfig:
    """Read the command line into a `TrainConfig`."""
    parser = _parser()
    return _config(parser, parser.parse_args(argv))


def main(argv: list[str] | None = None) -> int:
    """Train from the command line and print where the run went and its test accuracy."""
    parser = _parser()
    args = parser.parse_args(argv)
    cfg = _config(parser, args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        with admitted_training(cfg.out, overwrite=args.overwrite):
            run_dir = train(cfg)
    except RunError as error:
        print(f"error: {error} (or pass --overwrite to replace it)", file=sys.stderr)
        return 2
    except (TrainingBusyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
