"""A run's answer for an image: the one place where a model's probabilities for an image are made.

A run answers as it was evaluated: with test-time augmentation (`model.core.tta`) when its stored
evaluation used it, and temperature-scaled (`model.core.calibration`) when asked and the run has a
temperature. For a test image, the raw answer equals that image's row of the run's stored
`test_probabilities.npy` (written by `model.core.evaluation.evaluate_predictor`), and the
calibrated answer equals that row temperature-scaled. Every page, CLI and figure that shows a
model's probability for an image gets it from `answer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.core.calibration import read_temperature, scale_if_calibrated
from model.core.evaluation import run_uses_tta
from model.core.predictor import Predictor, load_predictor
from model.core.runs import RunError
from model.core.tta import TTA_SHIFTS, predict_with_tta

IMAGE_SHAPE = (config.IMAGE_SIZE, config.IMAGE_SIZE)


@dataclass(frozen=True)
class RunModel:
    """What a run needs to answer: its predictor, whether it uses test-time augmentation, and its
    temperature (None: the run is not calibrated)."""

    predictor: Predictor
    tta: bool = False
    temperature: float | None = None


@dataclass(frozen=True)
class Answer:
    """Probabilities, float32 (10,) for one image or (n, 10) for a batch, and what they are."""

    probabilities: np.ndarray
    calibrated: bool  # temperature-scaled (False when raw was asked or the run has no temperature)
    tta: bool  # averaged over `TTA_SHIFTS`

    @property
    def description(self) -> str:
        """What the probabilities are, for a caption: e.g. "calibrated, with test-time
        augmentation"."""
        return describe(calibrated=self.calibrated, tta=self.tta)


def describe(*, calibrated: bool, tta: bool) -> str:
    """ "raw" or "calibrated", then "with" or "without test-time augmentation"."""
    scale = "calibrated" if calibrated else "raw"
    return f"{scale}, {'with' if tta else 'without'} test-time augmentation"


def load_run_model(run_dir: Path | str) -> RunModel:
    """The run's `RunModel`: its warmed-up predictor, its TTA flag and its temperature."""
    return RunModel(load_predictor(run_dir), run_uses_tta(run_dir), read_temperature(run_dir))


def as_run_model(model: RunModel | Predictor) -> RunModel:
    """`model` as a `RunModel`; a bare `Predictor` answers without TTA and uncalibrated."""
    return model if isinstance(model, RunModel) else RunModel(model)


def _check_images(images: object) -> np.ndarray:
    array = np.asarray(images, dtype=np.float32)
    given = array.shape
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape[-2:] != IMAGE_SHAPE or array.ndim not in (2, 3):
        raise ValueError(f"images must have shape (28, 28) or (n, 28, 28[, 1]), got {given}")
    if not np.all(np.isfinite(array)):
        raise ValueError("images must hold finite pixel values in [0, 1]")
    return array


def scale(model: RunModel, probabilities: np.ndarray, *, calibrated: bool) -> Answer:
    """`probabilities` that `answer` gave raw, temperature-scaled when `calibrated` and the run has
    a temperature (the second half of `answer`, for a reading already made raw)."""
    applied = calibrated and model.temperature is not None
    scaled = scale_if_calibrated(probabilities, model.temperature if applied else None)
    return Answer(np.asarray(scaled, np.float32), applied, model.tta)


def answer(model: RunModel | Predictor, images: object, *, calibrated: bool) -> Answer:
    """Run `model`'s answer for `images`, float pixels in [0, 1] of shape (28, 28) or
    (n, 28, 28[, 1]): probabilities (10,) or (n, 10), with the run's TTA, calibrated if asked.

    Raises `ValueError` for images of another shape or with non-finite pixels, `RunError` when the
    model gives non-finite probabilities.
    """
    model = as_run_model(model)
    array = _check_images(images)
    batch = array if array.ndim == 3 else array[None]
    raw = (
        predict_with_tta(model.predictor.predict, batch, TTA_SHIFTS)
        if model.tta
        else model.predictor.predict(batch)
    )
    raw = np.asarray(raw, np.float32)
    if not np.isfinite(raw).all():
        raise RunError(
            "the model gave probabilities that are not finite numbers (NaN or infinite); its "
            "weights are damaged: retrain the run or restore the shipped one"
        )
    return scale(model, raw if array.ndim == 3 else raw[0], calibrated=calibrated)
