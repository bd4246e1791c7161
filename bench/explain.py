"""Print each saliency method's latency for one test image (median and p95) and Integrated
Gradients' completeness.

Usage: `python bench/explain.py [--run DIR] [--calls 50] [--index 0] [--images 50]`.
Each call is `Explainer.explain(image, method)` with the method's default settings and the
predicted class as target, as the Saliency page makes it. Goal: well under a second each.
Completeness: how far the attributions' sum is from the logit's rise over the black image, for
the true class of the first `--images` test images at the default number of steps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import config  # noqa: E402
from model.core.mnist import load_mnist, pixels  # noqa: E402
from model.core.runs import default_run_dir  # noqa: E402
from model.insight.saliency import METHODS, Explainer, load_explainer  # noqa: E402


def latencies(explainer: Explainer, image: np.ndarray, calls: int) -> dict[str, np.ndarray]:
    """Milliseconds of each of `calls` calls per method the model supports, after one warm-up
    call."""
    timings = {}
    for method in explainer.methods:
        explainer.explain(image, method)
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            explainer.explain(image, method)
            samples.append((time.perf_counter() - start) * 1e3)
        timings[method] = np.array(samples)
    return timings


def completeness_errors(explainer: Explainer, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """|sum of attributions - (logit(image) - logit(black))| / |that rise|, per image, for its
    label."""
    black = np.zeros_like(images[:1])
    errors = []
    for image, label in zip(images, labels, strict=False):
        total = explainer.explain(image, "integrated_gradients", target=int(label)).sum()
        rise = np.subtract(
            *explainer.logits(np.concatenate([image[None], black])[..., None])[:, label]
        )
        errors.append(abs(total - rise) / abs(rise))
    return np.array(errors)


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run", type=Path, default=default_run_dir(config.RUNS_DIR), help="run directory"
    )
    parser.add_argument("--calls", type=int, default=50, help="timed calls per method")
    parser.add_argument("--index", type=int, default=0, help="test image index")
    parser.add_argument(
        "--images", type=int, default=50, help="test images for the completeness check"
    )
    args = parser.parse_args(argv)
    if min(args.calls, args.images) < 1 or not 0 <= args.index < config.ARRAY_SHAPES["x_test"][0]:
        parser.error(
            f"--calls and --images must be at least 1 and --index in [0, 9999], "
            f"got {args.calls}, {args.images} and {args.index}"
        )
    mnist = load_mnist()
    image = pixels(mnist.x_test[args.index])
    start = time.perf_counter()
    explainer = load_explainer(args.run)
    print(
        f"{args.run}: load, compile and warm up the explainer in {time.perf_counter() - start:.1f} "
        "s; "
        f"test image {args.index}, {args.calls} calls per method, default settings"
    )
    for method, timing in latencies(explainer, image, args.calls).items():
        print(
            f"  {METHODS[method].label:<22} median {np.median(timing):7.1f} ms   p95 "
            f"{np.percentile(timing, 95):7.1f} ms"
        )
    errors = completeness_errors(
        explainer, pixels(mnist.x_test[: args.images]), mnist.y_test[: args.images]
    )
    print(
        f"Integrated Gradients completeness ({METHODS['integrated_gradients'].defaults['steps']} "
        "points, "
        f"true class of {args.images} test images): relative error median {np.median(errors):.2%}, "
        f"max {errors.max():.2%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
