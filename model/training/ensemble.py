"""Combine trained runs into one ensemble run whose model averages its members' predictions.

Usage: `python -m model.ensemble RUN... --out DIR [--tta/--no-tta] [--overwrite]`.

The ensemble is ONE flat Keras model: every member's layers are copied into it (renamed `m0_...`,
`m1_...`) on a shared input, each member's `logits` become log-probabilities (`log_softmax`), and
their mean is the ensemble's float32 `logits` layer, followed by the softmax `probabilities`. So
the ensemble's probabilities are the normalized geometric mean of the members', and every page
works on it unchanged: the saliency methods explain `logits`, and Grad-CAM reads the last member's
last convolution. It is written as a run directory, atomically, under the training lock.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from model import config
from model.core.evaluation import evaluate_model
from model.core.mnist import DataError, load_mnist
from model.core.predictor import load_keras_model
from model.core.runs import (
    RunError,
    RunFiles,
    RunStore,
    load_run,
    refuse_shipped,
    write_json,
    write_run,
    written_summary,
)
from model.training.admission import TrainingBusyError, admitted_training

log = logging.getLogger(__name__)


def _copy_layer(layer: keras.layers.Layer, prefix: str) -> keras.layers.Layer:
    """A new layer like `layer` (same class, config and, once built, weights), named `prefix +
    layer.name`."""
    return layer.__class__.from_config({**layer.get_config(), "name": prefix + layer.name})


def _member_log_probabilities(
    member: keras.Model, inputs: keras.KerasTensor, prefix: str
) -> keras.KerasTensor:
    """`member`'s layers copied onto `inputs` up to its `logits`, then log-softmax; weights copied
    too."""
    logits_layer = member.get_layer("logits")
    clone = keras.models.clone_model(
        member, input_tensors=inputs, clone_function=lambda layer: _copy_layer(layer, prefix)
    )
    for original in member.layers:
        if original.weights:
            clone.get_layer(prefix + original.name).set_weights(original.get_weights())
    logits = clone.get_layer(prefix + logits_layer.name).output
    return keras.layers.Activation(
        "log_softmax", name=f"{prefix}log_probabilities", dtype="float32"
    )(logits)


def build_ensemble(members: list[keras.Model], *, name: str = "ensemble") -> keras.Model:
    """One Keras model averaging the members' log-probabilities into `logits`, then softmax
    `probabilities`.

    Every member takes (batch, 28, 28, 1) float32 pixels in [0, 1] and has a `logits` layer.
    """
    if len(members) < 2:
        raise ValueError(f"an ensemble needs at least 2 members, got {len(members)}")
    inputs = keras.Input(tuple(members[0].inputs[0].shape[1:]), name="pixels")
    member_outputs = [
        _member_log_probabilities(member, inputs, f"m{index}_")
        for index, member in enumerate(members)
    ]
    logits = keras.layers.Average(name="logits", dtype="float32")(member_outputs)
    probabilities = keras.layers.Activation("softmax", name="probabilities", dtype="float32")(
        logits
    )
    return keras.Model(inputs, probabilities, name=name)


def _mean_history(runs: list) -> pd.DataFrame:
    """The members' histories averaged epoch by epoch (over the epochs all of them have)."""
    epochs = min(len(run.history) for run in runs)
    frames = [run.history.iloc[:epochs].reset_index(drop=True) for run in runs]
    return sum(frame.select_dtypes("number") for frame in frames) / len(frames)


def write_ensemble(member_dirs: list[Path], out: Path, *, tta: bool) -> Path:
    """Build the ensemble of the runs `member_dirs`, evaluate it on the test set and write run
    `out`."""
    started = time.time()
    if len(member_dirs) < 2:
        raise ValueError(f"an ensemble needs at least 2 runs, got {len(member_dirs)}")
    runs = [load_run(path) for path in member_dirs]
    model = build_ensemble([load_keras_model(path) for path in member_dirs])
    probabilities, evaluation = evaluate_model(model, load_mnist(), tta=tta)
    metadata = {
        "name": out.name,
        "architecture": "ensemble",
        "parameters": int(model.count_params()),
        "members": [
            {
                "name": run.name,
                "architecture": run.metadata.get("architecture"),
                "seed": run.metadata.get("seed"),
                "test_accuracy": run.evaluation["accuracy"],
            }
            for run in runs
        ],
        "hyperparameters": {"combination": "mean of the members' log-probabilities", "tta": tta},
        "evaluation": {"test_time_augmentation": evaluation.get("test_time_augmentation")},
        "seed": None,
        "epochs": int(min(len(run.history) for run in runs)),
        "duration_seconds": round(
            sum(run.metadata.get("duration_seconds", 0) for run in runs) + time.time() - started, 1
        ),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": runs[0].metadata.get("versions", {}),
        "test_accuracy": evaluation["accuracy"],
        "test_errors": evaluation["errors"],
    }

    def fill(directory: Path) -> None:
        files = RunFiles(directory)
        model.save(files.model)
        _mean_history(runs).to_csv(files.history, index=False)
        np.save(files.probabilities, probabilities.astype(np.float32))
        write_json(files.evaluation, evaluation)
        write_json(files.metadata, metadata)

    log.info("ensemble of %d runs: test accuracy %.4f", len(runs), evaluation["accuracy"])
    return write_run(out, fill)


def main(argv: list[str] | None = None) -> int:
    """Write the ensemble run and print its test accuracy."""
    parser = argparse.ArgumentParser(
        prog="python -m model.ensemble", description=__doc__.splitlines()[0]
    )
    parser.add_argument("runs", nargs="+", type=Path, help="member run directories (at least 2)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the ensemble's run directory (default runs/ensemble-of-N for N members; never a "
        "shipped run such as runs/ensemble)",
    )
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="evaluate with test-time augmentation (small shifts)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing run of that name"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.out = args.out or RunStore(config.RUNS_DIR).path(f"ensemble-of-{len(args.runs)}")
    try:
        refuse_shipped(args.out, "written over")
        with admitted_training(args.out, overwrite=args.overwrite):
            run_dir = write_ensemble(args.runs, args.out, tta=args.tta)
    except (RunError, TrainingBusyError, DataError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{written_summary(run_dir)} (members and ensemble)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
