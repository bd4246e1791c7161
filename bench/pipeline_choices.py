"""Training throughput (images/s) of the pipeline choices: precision, jit_compile, batch size,
steps_per_execution.

Usage: `python bench/pipeline_choices.py [--arch fast_cnn wide_cnn] [--images 12000] [--quick]`.

Each row compiles a fresh model of the architecture and times `model.fit` over about `--images`
images after a warm-up of two executions (tracing excluded). "per-image tf.data" is the old input
pipeline (shuffle and batch image by image, augmentation as Keras layers in the model) for
comparison;
the others use `model.training.pipeline.training_dataset` (whole batches gathered from in-memory
tensors,
augmentation in the graph). The 2 cores are shared: the load average is printed with every row.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from model.core.mnist import load_mnist, pixels, validation_split  # noqa: E402
from model.training.architectures import build_model  # noqa: E402
from model.training.pipeline import training_dataset  # noqa: E402

DEFAULT = {
    "precision": "float32",
    "jit_compile": False,
    "batch_size": 256,
    "steps_per_execution": 16,
}


def _per_image_dataset(x: np.ndarray, y: np.ndarray, batch_size: int) -> tf.data.Dataset:
    one_hot = np.eye(10, dtype=np.float32)[y]
    return (
        tf.data.Dataset.from_tensor_slices((x, one_hot))
        .shuffle(len(y), reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def throughput(
    architecture: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    images: int,
    pipeline: str = "in-memory",
    precision: str,
    jit_compile: bool,
    batch_size: int,
    steps_per_execution: int,
) -> float:
    """Images per second of `model.fit` with these choices, tracing excluded."""
    keras.mixed_precision.set_global_policy(precision)
    try:
        per_image = pipeline == "per-image tf.data"
        model = build_model(architecture, augment=per_image)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
    dataset = (
        _per_image_dataset(x, y, batch_size)
        if per_image
        else training_dataset(x, y, batch_size=batch_size, seed=0, augment_strength=1.0)
    )
    model.fit(dataset, epochs=1, steps_per_epoch=2 * steps_per_execution, verbose=0)
    steps = max(1, images // (batch_size * steps_per_execution)) * steps_per_execution
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def choices(quick: bool) -> list[dict]:
    """The rows to measure: the default, then one choice changed at a time."""
    rows = [
        {"pipeline": "per-image tf.data", **DEFAULT, "steps_per_execution": 1},
        {"pipeline": "in-memory", **DEFAULT},
    ]
    changes = [
        ("precision", "mixed_bfloat16"),
        ("jit_compile", True),
        ("steps_per_execution", 1),
        ("batch_size", 128),
        ("batch_size", 512),
    ]
    rows += [
        {"pipeline": "in-memory", **DEFAULT, key: value}
        for key, value in changes[: 2 if quick else None]
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", nargs="+", default=["fast_cnn", "wide_cnn"])
    parser.add_argument("--images", type=int, default=12_000)
    parser.add_argument("--quick", action="store_true", help="only precision and jit_compile")
    args = parser.parse_args(argv)
    split = validation_split(load_mnist())
    x, y = pixels(split.x_train)[..., None], split.y_train
    print(
        "| architecture | pipeline | precision | jit_compile | batch | steps/execution | images/s "
        "| load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for architecture, row in itertools.product(args.arch, choices(args.quick)):
        rate = throughput(architecture, x, y, images=args.images, **row)
        print(
            f"| {architecture} | {row['pipeline']} | {row['precision']} | {row['jit_compile']} |"
            f" {row['batch_size']} | {row['steps_per_execution']} | {rate:,.0f} | "
            f"{os.getloadavg()[0]:.1f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
