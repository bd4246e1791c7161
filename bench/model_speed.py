"""Print training throughput (images/s) and single-drawing latency (preprocess + predict) of the
shipped model.

Usage: `python bench/model_speed.py [--run DIR] [--calls 1000] [--train-steps 60]`.
Latency: a 280x280 canvas drawing (white on black) through `model.core.predictor.classify`, p50 and
p99 over `--calls` calls after a warm-up. Goal: p99 at most 15 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import config  # noqa: E402
from model.core.answer import load_run_model
from model.core.runs import default_run_dir  # noqa: E402
from model.reading.classify import classify  # noqa: E402


def drawing(seed: int) -> np.ndarray:
    """A 280x280 stroke drawing that varies with `seed` (a slanted 7 of random size and place)."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((280, 280), np.uint8)
    left, top = rng.integers(20, 90, 2)
    size = int(rng.integers(120, 180))
    points = np.array(
        [[left, top], [left + size * 0.8, top], [left + size * 0.3, top + size]], np.int32
    )
    cv2.polylines(canvas, [points], False, 255, int(rng.integers(12, 26)), lineType=cv2.LINE_AA)
    return canvas


def latency(run: Path, calls: int) -> dict[str, float]:
    """Milliseconds per preprocess + predict call on varied drawings."""
    predictor = load_run_model(run)
    images = [drawing(seed) for seed in range(64)]
    for image in images[:20]:
        classify(predictor, image)
    timings = []
    for call in range(calls):
        image = images[call % len(images)]
        start = time.perf_counter()
        classify(predictor, image)
        timings.append((time.perf_counter() - start) * 1e3)
    return {
        "p50": float(np.percentile(timings, 50)),
        "p99": float(np.percentile(timings, 99)),
        "max": float(np.max(timings)),
    }


def training_throughput(architecture: str, steps: int, batch_size: int = 128) -> float:
    """Images per second of `architecture`'s training step (mixed bfloat16, augmentation on), after
    warm-up."""
    import keras
    import tensorflow as tf

    from model.core.mnist import load_mnist, pixels
    from model.training.architectures import build_model

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    mnist = load_mnist()
    x = pixels(mnist.x_train[: batch_size * 50])[..., None]
    dataset = (
        tf.data.Dataset.from_tensor_slices((x, mnist.y_train[: len(x)])).repeat().batch(batch_size)
    )
    model = build_model(architecture, augment=architecture == "deep_cnn")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(dataset, epochs=1, steps_per_epoch=10, shuffle=False, verbose=0)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    keras.mixed_precision.set_global_policy("float32")
    return steps * batch_size / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=default_run_dir(config.RUNS_DIR))
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--train-steps", type=int, default=60)
    args = parser.parse_args(argv)
    figures = latency(args.run, args.calls)
    print(
        f"single 280x280 drawing, preprocess + predict over {args.calls} calls: "
        f"p50 {figures['p50']:.2f} ms, p99 {figures['p99']:.2f} ms, max {figures['max']:.2f} ms "
        "(goal: p99 <= 15 ms)"
    )
    for architecture in ("deep_cnn", "convnet"):
        rate = training_throughput(architecture, args.train_steps)
        print(
            f"training throughput {architecture}: {rate:,.0f} images/s (batch 128, mixed bfloat16)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
