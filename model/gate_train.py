"""Train the "is this a digit?" gate (`model.gate`) once, with fixed seeds, and choose its threshold.

Usage: `python -m model.gate_train [--out data/digit_gate.keras] [--scale 1.0] [--epochs 8]`.

Positives: MNIST training digits (never the validation or test images; as stored and preprocessed), digits reduced to
8x8 counts and printed (like scikit-learn's optical digits, which stay an evaluation set only),
digits in every Hershey stroke face at many sizes and pens, and MNIST digits redrawn with pens of
any width. Negatives: every kind of `model.synthetic.MARKS`. All of them go through
`model.preprocess`, the path real inputs take. The threshold is set on a validation set made from
the held-out MNIST validation images and from marks and fonts drawn with other seeds; test images
and the evaluation seeds of bench/robustness.py are never seen.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from model import synthetic
from model.data import load_mnist, pixels, validation_split
from model.gate import GATE_PATH, settings_path
from model.preprocess import preprocess_many

logger = logging.getLogger(__name__)

TRAIN_SEED = 9001
VALIDATION_SEED = 9002
REFUSE_AT_MOST = {"mnist": 0.001, "mnist preprocessed": 0.001, "printed 8x8": 0.005, "fonts": 0.003, "pens": 0.01}  # validation targets
BASE_COUNTS = {"mnist": 6000, "mnist preprocessed": 6000, "printed 8x8": 2000, "fonts": 2500, "pens": 2500,
               "marks": 1500}


def positives(digits: np.ndarray, counts: dict[str, int], seed: int) -> dict[str, np.ndarray]:
    """28x28 inputs of digits from each positive source, `digits` being MNIST images (n, 28, 28) uint8."""
    rng = np.random.default_rng(seed)
    chosen = {name: digits[rng.choice(len(digits), min(counts[name], len(digits)), replace=False)]
              for name in ("mnist", "mnist preprocessed", "printed 8x8", "pens")}
    images = {
        "mnist preprocessed": list(chosen["mnist preprocessed"]),
        "printed 8x8": [synthetic.print_8x8(synthetic.to_8x8(d), side=int(rng.integers(40, 160))) for d in chosen["printed 8x8"]],
        "fonts": [synthetic.font_digit(int(rng.integers(10)), rng) for _ in range(counts["fonts"])],
        "pens": [_pen_digit(d, rng) for d in chosen["pens"]],
    }
    inputs = {"mnist": pixels(chosen["mnist"])}  # as stored, the way model.evaluate reads the test set
    return inputs | {name: preprocess_many(list_)[0] for name, list_ in images.items()}


def _pen_digit(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height = float(rng.uniform(40, 260))
    return synthetic.pen_digit(digit, rng, height=height, pen=int(rng.integers(2, max(3, int(height / 4)) + 1)))


def negatives(count: int, seed: int) -> dict[str, np.ndarray]:
    """28x28 inputs of `count` marks of each kind (marks that preprocessing finds empty are left out)."""
    return {kind: preprocess_many(synthetic.marks(kind, count, seed + index))[0]
            for index, kind in enumerate(synthetic.MARKS)}


def build_network(seed: int):
    """A small convnet (about 60k weights): 28x28x1 input in [0, 1], one sigmoid output, P(digit)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in (16, 32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(layers.Dense(64, activation="relu")(x))
    outputs = layers.Dense(1, activation="sigmoid", name="digit")(x)
    return keras.Model(inputs, outputs, name="digit_gate")


def _stack(groups: dict[str, np.ndarray], label: float) -> tuple[np.ndarray, np.ndarray]:
    images = np.concatenate(list(groups.values()))
    return images, np.full(len(images), label, np.float32)


def choose_threshold(scores: dict[str, np.ndarray]) -> float:
    """The highest threshold refusing no more of each positive validation source than `REFUSE_AT_MOST` allows."""
    return float(min(np.quantile(scores[name], share) for name, share in REFUSE_AT_MOST.items()))


def _scores(network, groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: network.predict(images[..., None], verbose=0, batch_size=1024)[:, 0] for name, images in groups.items()}


def train_gate(*, out: Path, scale: float = 1.0, epochs: int = 12, seed: int = TRAIN_SEED) -> dict:
    """Build the data, train the gate, choose its threshold on validation data, save both files; returns the settings."""
    if scale <= 0 or epochs < 1:
        raise ValueError(f"scale must be > 0 and epochs >= 1, got scale={scale}, epochs={epochs}")
    started = time.monotonic()
    split = validation_split(load_mnist())
    counts = {name: max(1, round(n * scale)) for name, n in BASE_COUNTS.items()}
    x_pos, y_pos = _stack(positives(split.x_train, counts, seed), 1.0)
    x_neg, y_neg = _stack(negatives(counts["marks"], seed), 0.0)
    logger.info("training on %d digits and %d marks", len(x_pos), len(x_neg))
    val_counts = {name: max(1, n // 3) for name, n in counts.items()} | {
        "mnist": len(split.x_val), "mnist preprocessed": len(split.x_val)}
    val_pos = positives(split.x_val, val_counts, VALIDATION_SEED)
    val_neg = negatives(val_counts["marks"], VALIDATION_SEED * 100)
    network = build_network(seed)
    network.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x, y = np.concatenate([x_pos, x_neg])[..., None], np.concatenate([y_pos, y_neg])
    weights = np.where(y == 1.0, len(y) / (2 * len(y_pos)), len(y) / (2 * len(y_neg)))
    network.fit(x, y, sample_weight=weights, epochs=epochs, batch_size=128, shuffle=True, verbose=2)
    positive_scores, negative_scores = _scores(network, val_pos), _scores(network, val_neg)
    threshold = choose_threshold(positive_scores)
    settings = {
        "threshold": threshold,
        "seed": seed,
        "scale": scale,
        "epochs": epochs,
        "validation_seed": VALIDATION_SEED,
        "training_counts": {"digits": len(x_pos), "marks": len(x_neg)},
        "validation_refused": {name: float((s < threshold).mean()) for name, s in (positive_scores | negative_scores).items()},
        "seconds": round(time.monotonic() - started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    network.save(out)
    settings_path(out).write_text(json.dumps(settings, indent=2) + "\n")
    return settings


def main(argv: list[str] | None = None) -> int:
    """Train the gate and print its validation figures."""
    parser = argparse.ArgumentParser(prog="python -m model.gate_train", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GATE_PATH, help=f"gate model file (default: {GATE_PATH})")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default number of training images")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=TRAIN_SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = train_gate(out=args.out, scale=args.scale, epochs=args.epochs, seed=args.seed)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(settings, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
