"""Adversarial examples: FGSM and PGD under an L-infinity budget ε, the smallest ε that changes an
answer,
and a model's accuracy against ε.

Pixels are floats in [0, 1]; an adversarial image stays within ε of the original in every pixel
and within [0, 1]. FGSM takes one step of size ε along the sign of the loss gradient; PGD takes
`PGD_STEPS` steps of 2.5ε/steps from the original (no random start, so results repeat), each
projected back into the ε-box. Untargeted attacks raise the cross-entropy of the class to leave;
targeted ones lower that of the target class. An `Attacker` compiles both, once per model, as
`tf.function`s with fixed signatures taking one ε per image, so a whole grid of ε runs as one
batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config
from model.insight.activations import as_batch

SIZE = config.IMAGE_SIZE
METHODS = {"fgsm": "FGSM (one step)", "pgd": "PGD (iterated)"}
PGD_STEPS = 10
MAX_EPSILON = 0.5  # the search's upper bound: beyond it a digit is barely there
GRID = 8  # ε values tried per search round (one batch of one attack call)
# two rounds end about 0.5 / (8 * 9) = 0.007 apart: each round is one call (~100 ms on the ensemble)
ROUNDS = 2
CURVE_EPSILONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
BATCH = 250


@dataclass(frozen=True)
class Attack:
    """The result of a search: the smallest ε found (None: the answer held up to
    `MAX_EPSILON`), the adversarial image (28, 28) at that ε (the original when none), its
    probabilities (10,), and the largest ε tried that left the answer unchanged."""

    epsilon: float | None
    image: np.ndarray
    probabilities: np.ndarray
    held_at: float

    def perturbation(self, original: np.ndarray) -> np.ndarray:
        """The change made to `original`, in [-ε, ε]."""
        return self.image - np.asarray(original, np.float32).reshape(SIZE, SIZE)


def check_method(method: object) -> str:
    """`method` if it is one of `METHODS`; `ValueError` otherwise."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r:.30}")
    return str(method)


class Attacker:
    """FGSM and PGD against one Keras model (whose last layer is a softmax), compiled once."""

    def __init__(self, keras_model) -> None:
        import keras
        import tensorflow as tf

        logits = keras.Model(keras_model.inputs[0], keras_model.get_layer("logits").output)
        images = tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)
        classes = tf.TensorSpec([None], tf.int32)
        epsilons = tf.TensorSpec([None], tf.float32)
        flag = tf.TensorSpec([], tf.bool)
        steps = tf.TensorSpec([], tf.int32)

        def loss_gradient(x, y):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = keras.losses.sparse_categorical_crossentropy(
                    y, logits(x, training=False), from_logits=True
                )
            return loss, tape.gradient(loss, x)

        def attack(x, y, eps, targeted, count):
            direction = tf.where(targeted, -1.0, 1.0)
            eps = eps[:, None, None, None]
            step = tf.where(count > 1, 2.5 / tf.cast(count, tf.float32), 1.0) * eps
            adversarial = x
            for _ in tf.range(count):
                _, gradient = loss_gradient(adversarial, y)
                adversarial = adversarial + direction * step * tf.sign(gradient)
                adversarial = tf.clip_by_value(
                    tf.clip_by_value(adversarial, x - eps, x + eps), 0.0, 1.0
                )
            return adversarial, tf.nn.softmax(logits(adversarial, training=False))

        self._loss = tf.function(
            lambda x, y: loss_gradient(x, y)[0], input_signature=[images, classes]
        )
        self._attack = tf.function(attack, input_signature=[images, classes, epsilons, flag, steps])
        self.attack(np.zeros((1, SIZE, SIZE), np.float32), [0], [0.1], method="pgd")  # trace now

    def loss(self, images: np.ndarray, classes) -> np.ndarray:
        """The cross-entropy (n,) of each image for its class."""
        return self._loss(as_batch(images), np.asarray(classes, np.int32)).numpy()

    def attack(self, images: np.ndarray, classes, epsilons, *, method: str, targeted: bool = False):
        """Adversarial `images` (n, 28, 28) and their probabilities (n, 10), each with its own ε.

        Untargeted: away from `classes` (each image's class to leave); targeted: towards them.
        """
        batch = as_batch(images)
        steps = PGD_STEPS if check_method(method) == "pgd" else 1
        classes = np.broadcast_to(np.asarray(classes, np.int32), (len(batch),))
        epsilons = np.broadcast_to(np.asarray(epsilons, np.float32), (len(batch),))
        if (epsilons < 0).any() or (epsilons > 1).any():
            raise ValueError(
                f"epsilons must be in [0, 1], got values from {epsilons.min()} to {epsilons.max()}"
            )
        outputs = [
            self._attack(
                batch[s : s + BATCH],
                classes[s : s + BATCH],
                epsilons[s : s + BATCH],
                targeted,
                steps,
            )
            for s in range(0, len(batch), BATCH)
        ]
        adversarial = np.concatenate([out[0].numpy() for out in outputs])[..., 0]
        return adversarial, np.concatenate([out[1].numpy() for out in outputs])

    def smallest_epsilon(
        self, image: np.ndarray, answer: int, *, method: str, target: int | None = None
    ) -> Attack:
        """The smallest ε (to about 0.007) at which `method` changes `answer` (or, with `target`,
        makes the
        model answer `target`), searched in `ROUNDS` rounds, each a batch of `GRID` values of ε."""
        original = as_batch(np.asarray(image, np.float32).reshape(1, SIZE, SIZE))
        if target is not None and (
            isinstance(target, bool)
            or not isinstance(target, (int, np.integer))
            or not 0 <= target < config.NUM_CLASSES
        ):
            raise ValueError(f"target must be a digit 0-9 or None, got {target!r:.30}")
        goal = answer if target is None else int(target)
        if target is not None and target == answer:
            raise ValueError(f"target must differ from the model's answer {answer}, got {target}")
        low, high, found = 0.0, MAX_EPSILON, None
        for _ in range(ROUNDS):
            # The first round ends at MAX_EPSILON; later ones try only ε inside the bracket, whose
            # top is known to work.
            grid = (
                np.linspace(low, high, GRID + 1)[1:]
                if found is None
                else np.linspace(low, high, GRID + 2)[1:-1]
            )
            images, probabilities = self.attack(
                np.repeat(original, GRID, 0), goal, grid, method=method, targeted=target is not None
            )
            predicted = probabilities.argmax(axis=1)
            flipped = predicted == target if target is not None else predicted != answer
            if not flipped.any():
                if found is None:
                    break
                low = float(grid[-1])
                continue
            first = int(np.argmax(flipped))
            found = (float(grid[first]), images[first], probabilities[first])
            low, high = (float(grid[first - 1]) if first else low), float(grid[first])
        if found is None:
            return Attack(
                None,
                original[0, ..., 0],
                self.attack(original, goal, [0.0], method="fgsm")[1][0],
                high,
            )
        return Attack(found[0], found[1], found[2], low)

    def accuracy_curve(
        self, images: np.ndarray, labels, epsilons=CURVE_EPSILONS
    ) -> dict[str, list[float]]:
        """For each method, the accuracy on `images` with true `labels` attacked at each ε of
        `epsilons`."""
        batch, labels = as_batch(images), np.asarray(labels)
        curve: dict[str, list[float]] = {}
        for method in METHODS:
            curve[method] = []
            for epsilon in epsilons:  # at ε = 0 one FGSM step changes nothing: the clean accuracy
                _, probabilities = self.attack(
                    batch, labels, [float(epsilon)], method=method if epsilon else "fgsm"
                )
                curve[method].append(float((probabilities.argmax(axis=1) == labels).mean()))
        return curve
