"""Train the "is this a digit?" gate (`model.reading.gate`) once, with fixed seeds, and choose its
threshold.

Usage: `python -m model.gate_train [--out data/digit_gate.keras] [--scale 1.0] [--epochs 20]
[--members 5]`.

Positives: MNIST training digits (never the validation or test images) as stored and turned,
digits reduced to 8x8 counts and printed (like scikit-learn's optical digits, which stay an
evaluation set only), digits in every Hershey stroke face at many sizes and pens, and MNIST digits
redrawn with pens of any width. Negatives: every kind of `model.generated.synthetic.MARKS`, in the
shares of
`MARK_SHARES`. Drawn digits and marks are turned and slanted (`synthetic.vary`), as people draw
them. All of them go through `model.reading.preprocess`, the path real inputs take. The gate is the
average
of a few small networks, each from its own seed, each also taught which digit a positive shows. The
threshold is set on a validation set made from the held-out MNIST validation images and from marks
and fonts drawn with other seeds; test images and the evaluation seeds of bench/robustness.py are
never seen.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from model.core.mnist import Split, load_mnist, pixels, validation_split
from model.core.runs import write_json
from model.generated import synthetic
from model.reading.gate import GATE_PATH, settings_path
from model.reading.preprocess import preprocess_many

logger = logging.getLogger(__name__)

TRAIN_SEED = 9001
EPOCHS = 20
MEMBERS = 5  # networks averaged, each from its own seed
VALIDATION_SEED = 9002
REFUSE_AT_MOST = {
    "mnist": 0.001,
    "mnist turned": 0.005,
    "printed 8x8": 0.005,
    "fonts": 0.003,
    "pens": 0.01,
}  # validation targets
BASE_COUNTS = {
    "mnist": 20000,
    "mnist turned": 20000,
    "printed 8x8": 3000,
    "fonts": 5000,
    "pens": 5000,
    "marks": 3000,
}
MARK_SHARES = {
    "letters": 2.0,
    "symbols": 2.0,
    "dots": 2.0,
    "dashes": 2.0,
    "scribbles": 2.0,
    "strokes": 0.5,
}  # others: 1.0

Digits = tuple[
    np.ndarray, np.ndarray
]  # 28x28 inputs (n, 28, 28) float32 and the digit each shows (n,) int


# --- Data
# ------------------------------------------------------------------------------------------


def positives(
    digits: np.ndarray, labels: np.ndarray, counts: dict[str, int], seed: int
) -> dict[str, Digits]:
    """Inputs and labels of digits from each positive source, `digits` being MNIST images (n, 28,
    28) uint8."""
    rng = np.random.default_rng(seed)
    picked = {
        name: rng.choice(len(digits), min(counts[name], len(digits)), replace=False)
        for name in ("mnist", "mnist turned", "printed 8x8", "pens")
    }
    chosen = {name: digits[index] for name, index in picked.items()}
    shown = {name: labels[index] for name, index in picked.items()} | {
        "fonts": rng.integers(10, size=counts["fonts"])
    }
    canvases = {
        "mnist turned": [turned(d, rng) for d in chosen["mnist turned"]],
        "printed 8x8": [
            synthetic.print_8x8(synthetic.to_8x8(d), side=int(rng.integers(40, 160)))
            for d in chosen["printed 8x8"]
        ],
        "fonts": [turned(synthetic.font_digit(int(d), rng), rng) for d in shown["fonts"]],
        "pens": [turned(_pen_digit(d, rng), rng) for d in chosen["pens"]],
    }
    groups = {
        "mnist": (pixels(chosen["mnist"]), shown["mnist"])
    }  # as stored, the way model.evaluate reads the test set
    for name, images in canvases.items():
        inputs, kept = preprocess_many(images)
        groups[name] = (inputs, shown[name][kept])
    return groups


def turned(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`canvas` turned and slanted by `synthetic.vary` on a margin wide enough that no part of the
    digit is cut off."""
    return synthetic.vary(np.pad(canvas, max(canvas.shape) // 3), rng)


def _pen_digit(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height = float(rng.uniform(40, 260))
    return synthetic.pen_digit(
        digit, rng, height=height, pen=int(rng.integers(2, max(3, int(height / 4)) + 1))
    )


def mark_counts(count: int, shares: dict[str, float] | None = None) -> dict[str, int]:
    """How many marks of each kind of `synthetic.MARKS`: `count` times the kind's share (1.0 unless
    given)."""
    shares = shares or {}
    return {kind: round(count * shares.get(kind, 1.0)) for kind in synthetic.MARKS}


def negatives(counts: dict[str, int], seed: int) -> dict[str, np.ndarray]:
    """28x28 inputs of `counts[kind]` turned and slanted marks of each kind (marks preprocessing
    finds empty are left out).

    The marks are turned on their own canvas, as bench/robustness.py turns its marks: a mark near an
    edge may lose a corner."""
    groups = {}
    for index, (kind, count) in enumerate(counts.items()):
        rng = np.random.default_rng([seed, index])  # the turns: a stream apart from the marks' own
        groups[kind] = preprocess_many(
            [synthetic.vary(mark, rng) for mark in synthetic.marks(kind, count, seed + index)]
        )[0]
    return groups


def _training_set(split: Split, counts: dict[str, int], seed: int) -> tuple[np.ndarray, ...]:
    """Inputs (n, 28, 28, 1), is-a-digit targets, digits shown (0 for marks) and sample weights
    balancing the two classes."""
    digit_groups = positives(split.x_train, split.y_train, counts, seed)
    marks = np.concatenate(
        list(negatives(mark_counts(counts["marks"], MARK_SHARES), seed).values())
    )
    digits = np.concatenate([inputs for inputs, _ in digit_groups.values()])
    logger.info("training on %d digits and %d marks", len(digits), len(marks))
    targets = np.concatenate([np.ones(len(digits)), np.zeros(len(marks))]).astype(np.float32)
    shown = np.concatenate(
        [*(labels for _, labels in digit_groups.values()), np.zeros(len(marks), int)]
    )
    weights = np.where(
        targets == 1.0, len(targets) / (2 * len(digits)), len(targets) / (2 * len(marks))
    )
    return np.concatenate([digits, marks])[..., None], targets, shown, weights


# --- Networks
# --------------------------------------------------------------------------------------


def build_network(seed: int):
    """A small convnet (about 60k weights), 28x28x1 input in [0, 1], with two outputs: `digit`, one
    sigmoid,
    P(digit), and `which`, ten softmax probabilities of which digit it is (a training aid, not
    shipped)."""
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
    digit = layers.Dense(1, activation="sigmoid", name="digit")(x)
    which = layers.Dense(10, activation="softmax", name="which")(x)
    return keras.Model(inputs, [digit, which], name=f"digit_gate_{seed}")


def train_member(training: tuple[np.ndarray, ...], *, seed: int, epochs: int):
    """One network trained on `_training_set`'s arrays; `which` learns from the digits only. Returns
    the `digit` part."""
    import keras

    images, targets, shown, weights = training
    network = build_network(seed)
    network.compile(
        optimizer="adam", loss=["binary_crossentropy", "sparse_categorical_crossentropy"]
    )
    network.fit(
        images,
        (targets, shown),
        sample_weight=(weights, targets),
        epochs=epochs,
        batch_size=128,
        shuffle=True,
        verbose=2,
    )
    return keras.Model(network.inputs, network.get_layer("digit").output, name=network.name)


def average(members: list):
    """One model whose output (n, 1) is the mean of the members' digit probabilities."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1))
    return keras.Model(
        inputs,
        layers.Average(name="digit")([member(inputs) for member in members]),
        name="digit_gate",
    )


# --- Threshold
# -------------------------------------------------------------------------------------


def choose_threshold(scores: dict[str, np.ndarray]) -> float:
    """The highest threshold refusing no more of each positive validation source than
    `REFUSE_AT_MOST` allows."""
    return float(min(np.quantile(scores[name], share) for name, share in REFUSE_AT_MOST.items()))


def _scores(network, groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        name: network.predict(images[..., None], verbose=0, batch_size=1024)[:, 0]
        for name, images in groups.items()
    }


def _validation_sets(split, counts: dict[str, int]) -> tuple[dict, dict]:
    """The validation inputs the gate must accept (digits) and refuse (marks), by kind, drawn
    with `VALIDATION_SEED` at a third of the training `counts` (all of MNIST's validation split)."""
    val_counts = {name: max(1, n // 3) for name, n in counts.items()} | {
        "mnist": len(split.x_val),
        "mnist turned": len(split.x_val),
    }
    val_pos = {
        name: inputs
        for name, (inputs, _) in positives(
            split.x_val, split.y_val, val_counts, VALIDATION_SEED
        ).items()
    }
    val_neg = negatives(mark_counts(val_counts["marks"]), VALIDATION_SEED * 100)
    return val_pos, val_neg


def train_gate(
    *,
    out: Path,
    scale: float = 1.0,
    epochs: int = EPOCHS,
    members: int = MEMBERS,
    seed: int = TRAIN_SEED,
) -> dict:
    """Build the data, train the gate, choose its threshold on validation data, save both files;
    returns the settings."""
    if scale <= 0 or epochs < 1 or members < 1:
        raise ValueError(
            f"scale must be > 0, epochs and members >= 1, got scale={scale}, epochs={epochs}, "
            f"members={members}"
        )
    started = time.monotonic()
    split = validation_split(load_mnist())
    counts = {name: max(1, round(n * scale)) for name, n in BASE_COUNTS.items()}
    training = _training_set(split, counts, seed)
    val_pos, val_neg = _validation_sets(split, counts)
    network = average(
        [
            train_member(training, seed=seed + 1000 * index, epochs=epochs)
            for index in range(members)
        ]
    )
    positive_scores, negative_scores = _scores(network, val_pos), _scores(network, val_neg)
    threshold = choose_threshold(positive_scores)
    settings = {
        "threshold": threshold,
        "seed": seed,
        "scale": scale,
        "epochs": epochs,
        "members": members,
        "validation_seed": VALIDATION_SEED,
        "training_counts": {
            "digits": int(training[1].sum()),
            "marks": int((training[1] == 0).sum()),
        },
        "validation_refused": {
            name: float((s < threshold).mean())
            for name, s in (positive_scores | negative_scores).items()
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    network.save(out)
    write_json(settings_path(out), settings)
    return settings


def main(argv: list[str] | None = None) -> int:
    """Train the gate and print its validation figures."""
    parser = argparse.ArgumentParser(
        prog="python -m model.gate_train", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--out", type=Path, default=GATE_PATH, help=f"gate model file (default: {GATE_PATH})"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the default number of training images"
    )
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--members", type=int, default=MEMBERS, help="networks averaged, each from its own seed"
    )
    parser.add_argument("--seed", type=int, default=TRAIN_SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = train_gate(
            out=args.out, scale=args.scale, epochs=args.epochs, members=args.members, seed=args.seed
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(settings, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
