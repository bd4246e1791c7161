"""The service's answers: run `name`'s probabilities for an image, the one way every page gets
them (`model.core.answer`), memoized per run version, and the words that say what they are."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dashboard.service.runs import RunEntry
from model.core.answer import Answer, RunModel, answer, describe, scale
from model.core.evaluation import run_uses_tta
from model.reading.classify import Classification


class Answers:
    """The answer methods of `dashboard.service.Service` (which supplies `entry` and
    `temperature`)."""

    def entry(self, name: object) -> RunEntry:
        """Everything held about run `name` (the service's)."""
        raise NotImplementedError

    def temperature(self, name: object) -> float | None:
        """Run `name`'s temperature; None when it is not calibrated (the service's)."""
        raise NotImplementedError

    def run_model(self, name: object) -> RunModel:
        """What run `name` answers with: its predictor, its test-time augmentation, its
        temperature."""
        entry = self.entry(name)
        return entry.memo(
            ("run model",), lambda: RunModel(entry.predictor(), self._tta(name), entry.temperature)
        )

    def described(self, name: object, *, calibrated: bool) -> str:
        """What run `name`'s answers are, for a caption: e.g. "calibrated, with test-time
        augmentation" (raw when the run is not calibrated)."""
        return describe(
            calibrated=calibrated and self.temperature(name) is not None, tta=self._tta(name)
        )

    def _tta(self, name: object) -> bool:
        entry = self.entry(name)
        return entry.memo(("uses tta",), lambda: run_uses_tta(entry.path))

    def answer(self, name: object, images: np.ndarray, *, calibrated: bool) -> Answer:
        """Run `name`'s answer for `images` (28, 28) or (n, 28, 28) (`model.core.answer`), memoized:
        the probabilities every page shows, and what they are."""
        array = np.asarray(images, np.float32)
        model = self.run_model(name)
        return self.entry(name).memo(
            ("answer", array.shape, array.tobytes(), calibrated),
            lambda: answer(model, array, calibrated=calibrated),
        )

    def test_answer(self, name: object, indices, *, calibrated: bool) -> Answer:
        """Run `name`'s answer for test images `indices` (int, sequence or slice): the rows of its
        stored test probabilities, which equal `answer` for those images (tests/unit/test_answer.py
        checks it)."""
        entry = self.entry(name)
        rows = entry.probabilities(calibrated=calibrated)[indices]
        return Answer(rows, calibrated and entry.temperature is not None, self._tta(name))

    def calibrated_reading(
        self, name: object, reading: list[Classification]
    ) -> list[Classification]:
        """`reading` with each digit's probabilities temperature-scaled by run `name` as `answer`
        scales them (unchanged if not calibrated)."""
        model = self.run_model(name)
        return [
            replace(c, probabilities=scale(model, c.probabilities, calibrated=True).probabilities)
            for c in reading
        ]
