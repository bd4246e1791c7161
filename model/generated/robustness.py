"""Measure how the reading holds up off the clean path: refusals, other writers, any pen, photos of
numbers.

Each function takes a run's `RunModel` (or a bare `Predictor`) and the digit gate, and returns plain
figures (fractions in [0, 1]); bench/robustness.py prints them and tests check their direction on
small sets. The evaluation sets use their own seeds (`EVAL_SEED`...), never those the gate was
trained or validated with, and every evaluation mark is turned and slanted (`synthetic.vary`), as
the gate's training marks are with the training seeds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from model.core.answer import RunModel
from model.core.mnist import Mnist, pixels
from model.core.predictor import Predictor
from model.generated import synthetic
from model.generated.photos import digit_pools, photo_number
from model.reading import strokes
from model.reading.classify import classify, judge
from model.reading.gate import DigitGate
from model.reading.preprocess import EmptyImageError
from model.reading.segment import read_number

# marks, pens and photos for evaluation; the gate trained with 9001 and validated with 9002
EVAL_SEED = 424242


def other_writers() -> tuple[list[np.ndarray], np.ndarray]:
    """scikit-learn's 1,797 optical digits (8x8, other writers than MNIST's), upscaled and printed
    dark on light."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return [synthetic.print_8x8(block) for block in digits.images], digits.target.astype(int)


def _read_or_refuse(
    predictor: Predictor | RunModel, gate: DigitGate | None, image: np.ndarray
) -> int | None:
    """The digit read in `image`, or None when it is refused or empty."""
    try:
        return classify(predictor, image, gate=gate, refuse=gate is not None).answer
    except EmptyImageError:
        return None


def mnist_test(predictor: Predictor | RunModel, gate: DigitGate, mnist: Mnist) -> dict[str, float]:
    """Accuracy on the 10,000 MNIST test images as stored, refusal rate, and accuracy with refusals
    counted as errors."""
    inputs = pixels(mnist.x_test)
    readings = judge(predictor, gate, inputs)
    correct = np.array(
        [np.argmax(p) == y for (p, _, _), y in zip(readings, mnist.y_test, strict=True)]
    )
    refused = np.array([r for _, _, r in readings])
    return {
        "accuracy": float(correct.mean()),
        "refused": float(refused.mean()),
        "accuracy_refusals_wrong": float((correct & ~refused).mean()),
        "correct_refused": int((correct & refused).sum()),
    }


def writers(
    predictor: Predictor | RunModel, gate: DigitGate, images: list[np.ndarray], labels: np.ndarray
) -> dict[str, float]:
    """Accuracy of the best guess, refusal rate and accuracy with refusals counted as errors on
    other writers' digits."""
    readings = [classify(predictor, image, gate=gate) for image in images]
    guess = np.array([r.digit for r in readings]) == labels
    refused = np.array([r.refused for r in readings])
    return {
        "accuracy": float(guess.mean()),
        "refused": float(refused.mean()),
        "accuracy_refusals_wrong": float((guess & ~refused).mean()),
    }


def marks_refused(
    predictor: Predictor | RunModel, gate: DigitGate, *, count: int, seed: int = EVAL_SEED
) -> dict[str, float]:
    """Fraction of each kind of non-digit mark refused (or found empty), `count` varied marks a
    kind."""
    rng = np.random.default_rng(seed)
    figures = {}
    for index, kind in enumerate(synthetic.MARKS):
        images = [
            synthetic.vary(image, rng)
            for image in synthetic.marks(kind, count, seed + 1000 * (index + 1))
        ]
        figures[kind] = float(
            np.mean([_read_or_refuse(predictor, gate, image) is None for image in images])
        )
    return figures


def pen_digits(
    mnist: Mnist, *, count: int, seed: int = EVAL_SEED, thin_pens: bool = False
) -> tuple[list[np.ndarray], np.ndarray]:
    """Canvases (280x280) of digits 50-250 px tall: half MNIST test handwriting redrawn with a round
    pen, half
    Hershey faces; pens up to a quarter of the height (or, with `thin_pens`, MNIST's own 2-3 px in
    20)."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for index in range(count):
        height = float(rng.uniform(50, 250))
        most = height * 0.14 if thin_pens else height / 4
        pen = int(
            rng.integers(max(2, round(height * 0.1)) if thin_pens else 2, max(3, round(most)) + 1)
        )
        if index % 2:
            digit = int(rng.integers(10))
            images.append(synthetic.font_digit(digit, rng, height=height, pen=pen))
        else:
            pick = int(rng.integers(len(mnist.y_test)))
            digit = int(mnist.y_test[pick])
            images.append(synthetic.pen_digit(mnist.x_test[pick], rng, height=height, pen=pen))
        labels.append(digit)
    return images, np.asarray(labels)


def read_rate(
    predictor: Predictor | RunModel,
    gate: DigitGate | None,
    images: list[np.ndarray],
    labels: np.ndarray,
) -> float:
    """Fraction of `images` whose digit is read right (a refusal or an empty reading counts as
    wrong)."""
    return float(
        np.mean(
            [
                _read_or_refuse(predictor, gate, image) == label
                for image, label in zip(images, labels, strict=True)
            ]
        )
    )


def without_stroke_normalisation(measure: Callable[[], float]) -> float:
    """`measure()` with thick pens left as they are (for before/after figures); the setting is
    restored after."""
    saved = strokes.THICK_ABOVE
    strokes.THICK_ABOVE = float("inf")
    try:
        return measure()
    finally:
        strokes.THICK_ABOVE = saved


def photos(
    predictor: Predictor | RunModel,
    gate: DigitGate,
    mnist: Mnist,
    *,
    count: int,
    seed: int = EVAL_SEED,
) -> dict[str, float]:
    """Fraction of photo-like numbers (1-4 digits, ruled or grid paper, shadows) read exactly, and
    ms per photo."""
    rng = np.random.default_rng(seed)
    pools = digit_pools(mnist.x_test, mnist.y_test)
    exact: list[bool] = []
    by_length: dict[int, list[bool]] = {n: [] for n in range(1, 5)}
    seconds = 0.0
    for _ in range(count):
        photo = photo_number(rng, pools=pools)
        started = time.perf_counter()
        try:
            text = read_number(predictor, photo.image, gate=gate).text
        except EmptyImageError:
            text = ""
        seconds += time.perf_counter() - started
        exact.append(text == photo.text)
        by_length[len(photo.text)].append(text == photo.text)
    return {"exact": float(np.mean(exact)), "ms_per_photo": 1000 * seconds / max(count, 1)} | {
        f"exact_{n}_digits": float(np.mean(v)) for n, v in by_length.items() if v
    }


def latency_ms(
    predictor: Predictor | RunModel,
    gate: DigitGate,
    images: list[np.ndarray],
    *,
    number: bool = False,
) -> dict[str, float]:
    """p50 and p99 milliseconds of reading one drawing (preprocess, classifier and gate), after a
    warm-up."""
    read = (
        (lambda image: read_number(predictor, image, gate=gate))
        if number
        else (lambda image: classify(predictor, image, gate=gate))
    )
    for image in images[:5]:
        read(image)
    times = []
    for image in images:
        started = time.perf_counter()
        read(image)
        times.append(1000 * (time.perf_counter() - started))
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}
