"""Load a run's model once, warm it up, and predict one image or a batch fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model import config
from model.core.runs import RunError, RunFiles, default_run_dir

BATCH_CHUNK = 1000


class Predictor:
    """A Keras model behind a `tf.function` with a fixed input signature (one trace, ~2 ms per
    image)."""

    def __init__(self, keras_model) -> None:
        import tensorflow as tf

        self.model = keras_model
        spec = tf.TensorSpec([None, config.IMAGE_SIZE, config.IMAGE_SIZE, 1], tf.float32)

        @tf.function(input_signature=[spec])
        def forward(images):
            return keras_model(images, training=False)

        self._forward = forward
        self.predict(np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32))

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Probabilities for `images`, float pixels in [0, 1].

        `images` of shape (28, 28) gives shape (10,); (n, 28, 28) or (n, 28, 28, 1) gives (n, 10).
        """
        array = np.asarray(images, dtype=np.float32)
        single = array.ndim == 2
        if single:
            array = array[None]
        if array.ndim == 3:
            array = array[..., None]
        if array.shape[1:] != (config.IMAGE_SIZE, config.IMAGE_SIZE, 1):
            raise ValueError(
                f"images must have shape (28, 28) or (n, 28, 28[, 1]), got {np.shape(images)}"
            )
        chunks = [
            self._forward(array[start : start + BATCH_CHUNK]).numpy()
            for start in range(0, len(array), BATCH_CHUNK)
        ]
        probabilities = (
            np.concatenate(chunks) if chunks else np.zeros((0, config.NUM_CLASSES), np.float32)
        )
        return probabilities[0] if single else probabilities


def load_keras_model(run_dir: Path | str):
    """The run's Keras model; a missing or unreadable file raises `RunError` naming it."""
    import keras

    path = RunFiles(Path(run_dir)).model
    if not path.is_file():
        raise RunError(
            f"model file {path} is missing; train a run with `python -m model.train --out "
            f"{path.parent}`"
        )
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a damaged archive.
        raise RunError(
            f"model file {path} cannot be loaded ({error.__class__.__name__}): {error}"
        ) from error


def load_predictor(run_dir: Path | str | None = None) -> Predictor:
    """A warmed-up `Predictor` for the run's model (default: the default run of `config.RUNS_DIR`;
    the app keeps one per run in its service)."""
    return Predictor(load_keras_model(run_dir or default_run_dir(config.RUNS_DIR)))
