"""Fit temperature scaling for an existing run on the validation split and store it in the run.

Usage: `python -m model.calibrate --run DIR [--run DIR2 ...]`. Writes `DIR/calibration.json`
(the temperature, validation NLL before/after, test NLL, ECE and MCE raw and calibrated).
Training calls `calibrate_run(run_dir)` at its end.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from model.core.answer import answer, load_run_model
from model.core.calibration import calibration_summary, write_calibration
from model.core.mnist import DataError, load_mnist, pixels, validation_split
from model.core.runs import RunError, load_run

log = logging.getLogger(__name__)


def calibrate_run(run_dir: Path | str) -> dict:
    """Answer the validation split as the run answers (`model.core.answer`: with its test-time
    augmentation if it uses one), fit the temperature, write `calibration.json`; return it."""
    run = load_run(run_dir)
    mnist = load_mnist()
    split = validation_split(mnist)
    model = load_run_model(run.path)
    val_probabilities = answer(model, pixels(split.x_val), calibrated=False).probabilities
    summary = calibration_summary(split.y_val, val_probabilities, mnist.y_test, run.probabilities)
    write_calibration(run.path, summary)
    log.info("run %s calibrated: temperature %.3f", run.name, summary["temperature"])
    return summary


def main(argv: list[str] | None = None) -> int:
    """Calibrate each run named by --run and print its temperature and test ECE before and after."""
    parser = argparse.ArgumentParser(
        prog="python -m model.calibrate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--run", type=Path, action="append", required=True, help="a run directory (repeatable)"
    )
    args = parser.parse_args(argv)
    for run_dir in args.run:
        try:
            summary = calibrate_run(run_dir)
        except (RunError, DataError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"{run_dir}: temperature {summary['temperature']:.3f}, validation NLL "
            f"{summary['validation_nll']['raw']:.4f} -> "
            f"{summary['validation_nll']['calibrated']:.4f}, "
            f"test ECE {summary['test_ece']['raw']:.4f} -> {summary['test_ece']['calibrated']:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
