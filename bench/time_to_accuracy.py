"""Seconds to 99.0%, 99.5% and 99.7% test accuracy for each training preset, images/s and peak
memory.

Usage: `python bench/time_to_accuracy.py [--presets quick strong] [--seeds 0] [--epochs N] [--keep
DIR]`.

Each preset is trained as `python -m model.train --preset NAME` would train it; after every epoch
(in this bench only) the current weights are evaluated on the 10,000 test images, with the clock
paused, so the times are training time only (data loading and tracing included, evaluation not).
Training itself never looks at the test set: its choices use the validation split. A preset with
an EMA of the weights is evaluated here on the raw weights between epochs and on the averaged
weights at the end (the final row), so its times are conservative. Peak memory is the process's
maximum resident set size. Note the load (`uptime`) next to the figures: the 2 cores are shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from model.core.mnist import load_mnist, pixels  # noqa: E402
from model.core.runs import load_run  # noqa: E402
from model.training.fit import train  # noqa: E402
from model.training.settings import PRESETS, preset_config  # noqa: E402

THRESHOLDS = (0.990, 0.995, 0.997)


class TestClock(keras.callbacks.Callback):
    """After each epoch: test accuracy of the current weights and training seconds so far
    (evaluation excluded)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        super().__init__()
        self.images, self.labels = images, labels
        self.rows: list[dict] = []
        self.paused = 0.0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        stop = time.perf_counter()
        probabilities = self.model.predict(self.images, batch_size=1000, verbose=0)
        accuracy = float((probabilities.argmax(1) == self.labels).mean())
        self.rows.append(
            {"epoch": epoch + 1, "seconds": stop - self.start - self.paused, "accuracy": accuracy}
        )
        self.paused += time.perf_counter() - stop


def time_to(rows: list[dict], threshold: float) -> float | None:
    """Seconds of the first epoch reaching `threshold`, or None."""
    return next((row["seconds"] for row in rows if row["accuracy"] >= threshold), None)


def bench_preset(name: str, seed: int, epochs: int | None, workdir: Path) -> dict:
    """Train preset `name` once with a `TestClock`; its figures."""
    mnist = load_mnist()
    clock = TestClock(pixels(mnist.x_test)[..., None], mnist.y_test)
    cfg = preset_config(name, seed=seed, epochs=epochs, out=workdir / f"{name}-{seed}")
    started = time.perf_counter()
    run = load_run(train(cfg, callbacks=[clock], verbose=0))
    wall = time.perf_counter() - started
    steps_seen = run.metadata["epochs"] * run.metadata["hyperparameters"]["train_images"]
    train_seconds = float(run.history["seconds"].sum())
    return {
        "preset": name,
        "seed": seed,
        "epochs": run.metadata["epochs"],
        "rows": clock.rows,
        "final_accuracy": run.evaluation["accuracy"],
        "train_call_seconds": wall,
        "images_per_second": steps_seen / train_seconds,
        **{f"to_{threshold:.3f}": time_to(clock.rows, threshold) for threshold in THRESHOLDS},
    }


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    """Bench the presets and print one table row per preset and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--presets", nargs="+", choices=sorted(PRESETS), default=["quick", "strong"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="override the presets' epochs")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the runs in this directory (default: discard)"
    )
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "| preset | seed | epochs | s to 99.0% | s to 99.5% | s to 99.7% | final test acc. | "
        "images/s |"
        " train() s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temporary:
        workdir = args.keep or Path(temporary)
        for name in args.presets:
            for seed in args.seeds:
                figures = bench_preset(name, seed, args.epochs, workdir)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"| {name} | {seed} | {figures['epochs']} | {_seconds(figures['to_0.990'])} |"
                    f" {_seconds(figures['to_0.995'])} | {_seconds(figures['to_0.997'])} |"
                    f" {figures['final_accuracy']:.2%} | {figures['images_per_second']:,.0f} |"
                    f" {figures['train_call_seconds']:.0f} | {peak:,.0f} |",
                    flush=True,
                )
                per_epoch = ", ".join(
                    f"{row['epoch']}: {row['accuracy']:.2%} at {row['seconds']:.0f} s"
                    for row in figures["rows"]
                )
                print(f"  per epoch ({name}, seed {seed}): {per_epoch}", flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
