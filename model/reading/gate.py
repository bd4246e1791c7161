"""The "is this a digit?" gate: a few small networks averaged, separate from the classifiers, that
refuse non-digits (`model.reading.refusal.Refusal.NOT_A_DIGIT`).

It reads the same 28x28 input as the classifier (after `model.reading.preprocess`) and gives the
probability that the input is a digit at all. An input scoring below the threshold stored beside
the model (chosen on validation data, see `model.training.gate_training`) is refused as "not a
digit"; the
classifier's ten probabilities stay available as the best guess. Being separate, the gate works for
every run the app can select: retraining a classifier does not retrain the gate.

Files: `data/digit_gate.keras` (the network) and `data/digit_gate.json` (threshold and how it was
made).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model import config

if TYPE_CHECKING:
    from model.core.predictor import Predictor

GATE_PATH = config.PROJECT_ROOT / "data" / "digit_gate.keras"


class GateError(RuntimeError):
    """The gate's model or settings file is missing or unreadable."""


def settings_path(model_path: Path | str) -> Path:
    """The JSON settings file stored beside a gate model file."""
    return Path(model_path).with_suffix(".json")


@dataclass(frozen=True)
class DigitGate:
    """A loaded gate: `scores` gives each input's probability of being a digit; below `threshold` is
    refused."""

    predictor: Predictor  # over the gate network, output (n, 1)
    threshold: float

    def scores(self, images: np.ndarray) -> np.ndarray | float:
        """Digit probability of each 28x28 input: (28, 28) gives a float, (n, 28, 28) gives shape
        (n,)."""
        array = np.asarray(images, dtype=np.float32)
        if array.ndim == 2:
            return float(self.predictor.predict(array)[0])
        return self.predictor.predict(array)[:, 0]


def load_gate(path: Path | str = GATE_PATH) -> DigitGate:
    """Load a gate and its threshold; `GateError` naming the file when either is missing or
    broken."""
    import keras

    from model.core.predictor import Predictor

    path = Path(path)
    settings = settings_path(path)
    if not path.is_file() or not settings.is_file():
        raise GateError(
            f"digit gate {path} or {settings.name} is missing; train it with `python -m "
            "model.gate_train`"
        )
    try:
        threshold = float(json.loads(settings.read_text())["threshold"])
        network = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras and json raise many types for a damaged file.
        raise GateError(
            f"digit gate {path} cannot be loaded ({error.__class__.__name__}): {error}"
        ) from None
    if not 0.0 <= threshold <= 1.0:
        raise GateError(f"digit gate threshold must be in [0, 1], got {threshold} in {settings}")
    return DigitGate(Predictor(network), threshold)


@functools.lru_cache(maxsize=1)
def default_gate() -> DigitGate:
    """The shipped gate, loaded once (read-only, shared by every caller)."""
    return load_gate(GATE_PATH)
