"""Measure a run's model on the 10,000 test images, from its own model file.

Usage: `python -m model.evaluate [--run DIR] [--json]`: test accuracy and the per-class table
(the shipped model when no run is named), with test-time augmentation if the run was evaluated with
it
(or as --tta/--no-tta say). With --json the last line is one JSON object with
"accuracy" (a fraction), "errors", "loss", "per_class" and "run".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from model import config
from model.core.metrics import evaluate_probabilities
from model.core.mnist import DataError, Mnist, load_mnist, pixels
from model.core.predictor import Predictor, load_predictor
from model.core.runs import RunError, RunFiles, default_run_dir, read_json
from model.core.tta import TTA_SHIFTS, predict_with_tta


def evaluate_predictor(predictor: Predictor, mnist: Mnist, *, tta: bool) -> tuple[np.ndarray, dict]:
    """The test probabilities (n, 10) of `predictor` and their `evaluate_probabilities`.

    With `tta`, the probabilities are averaged over `TTA_SHIFTS` (test-time augmentation) and the
    evaluation's "test_time_augmentation" records the shifts and the accuracy without them; else it
    is None.
    """
    images = pixels(mnist.x_test)
    plain = predictor.predict(images)
    if not tta:
        return plain, {
            **evaluate_probabilities(mnist.y_test, plain),
            "test_time_augmentation": None,
        }
    probabilities = predict_with_tta(predictor.predict, images, TTA_SHIFTS)
    without = evaluate_probabilities(mnist.y_test, plain)
    record = {
        "shifts": [list(shift) for shift in TTA_SHIFTS],
        "accuracy_without": without["accuracy"],
        "errors_without": without["errors"],
    }
    return probabilities, {
        **evaluate_probabilities(mnist.y_test, probabilities),
        "test_time_augmentation": record,
    }


def evaluate_model(keras_model, mnist: Mnist, *, tta: bool) -> tuple[np.ndarray, dict]:
    """`evaluate_predictor` for a Keras model."""
    return evaluate_predictor(Predictor(keras_model), mnist, tta=tta)


def run_uses_tta(run_dir: Path | str) -> bool:
    """Whether the run's stored evaluation used test-time augmentation (its metadata says so)."""
    metadata_file = RunFiles(Path(run_dir)).metadata
    if not metadata_file.is_file():
        return False
    metadata = read_json(metadata_file)
    return bool((metadata.get("evaluation") or {}).get("test_time_augmentation"))


def evaluate_run(run_dir: Path | str, *, tta: bool | None = None) -> dict:
    """Predict every test image with the run's model file and return `evaluate_probabilities` of it.

    `tta` None: as the run was evaluated when written (its metadata says whether with test-time
    augmentation).
    """
    tta = run_uses_tta(run_dir) if tta is None else tta
    return evaluate_predictor(load_predictor(run_dir), load_mnist(), tta=tta)[1]


def format_table(evaluation: dict) -> str:
    """The per-class precision / recall / F1 / support table, with the accuracy on top."""
    tta = evaluation.get("test_time_augmentation")
    lines = [
        f"test accuracy {evaluation['accuracy']:.4f} ({evaluation['errors']} errors in "
        f"{evaluation['count']}),"
        f" loss {evaluation['loss']:.4f}",
        f"{'digit':>5} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}",
    ]
    lines += [
        f"{row['digit']:>5} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} "
        f"{row['support']:>8}"
        for row in evaluation["per_class"]
    ]
    if tta:
        lines.append(
            f"with test-time augmentation over {len(tta['shifts'])} shifts"
            f" (without: accuracy {tta['accuracy_without']:.4f})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the run's test accuracy and per-class table (and a JSON line with --json)."""
    parser = argparse.ArgumentParser(
        prog="python -m model.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--run",
        type=Path,
        default=None,
        help="run directory (default: the run named in runs/DEFAULT)",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="test-time augmentation over small shifts (default: as the run was evaluated)",
    )
    args = parser.parse_args(argv)
    try:
        args.run = args.run or default_run_dir(config.RUNS_DIR)
        evaluation = evaluate_run(args.run, tta=args.tta)
    except (RunError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"run {args.run}")
    print(format_table(evaluation))
    if args.json:
        summary = {
            key: evaluation[key]
            for key in ("accuracy", "errors", "count", "loss", "macro_f1", "per_class")
        }
        print(json.dumps({"run": str(args.run), **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
