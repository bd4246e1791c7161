"""Measure a run's model on the 10,000 test images, from its own model file.

Usage: `python -m model.evaluate [--run DIR] [--json]`: test accuracy and the per-class table
(the shipped model when no run is named). With --json the last line is one JSON object with
"accuracy" (a fraction), "errors", "loss", "per_class" and "run".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model import config
from model.data import DataError, load_mnist, pixels
from model.inference import load_predictor
from model.metrics import evaluate_probabilities
from model.runs import RunError


def evaluate_run(run_dir: Path | str) -> dict:
    """Predict every test image with the run's model file and return `evaluate_probabilities` of it."""
    mnist = load_mnist()
    probabilities = load_predictor(run_dir).predict(pixels(mnist.x_test))
    return evaluate_probabilities(mnist.y_test, probabilities)


def format_table(evaluation: dict) -> str:
    """The per-class precision / recall / F1 / support table, with the accuracy on top."""
    lines = [
        f"test accuracy {evaluation['accuracy']:.4f} ({evaluation['errors']} errors in {evaluation['count']}),"
        f" loss {evaluation['loss']:.4f}",
        f"{'digit':>5} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}",
    ]
    lines += [
        f"{row['digit']:>5} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} {row['support']:>8}"
        for row in evaluation["per_class"]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the run's test accuracy and per-class table (and a JSON line with --json)."""
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=config.DEFAULT_RUN, help="run directory (default: the shipped model)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    try:
        evaluation = evaluate_run(args.run)
    except (RunError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"run {args.run}")
    print(format_table(evaluation))
    if args.json:
        summary = {key: evaluation[key] for key in ("accuracy", "errors", "count", "loss", "macro_f1", "per_class")}
        print(json.dumps({"run": str(args.run), **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
