"""Read one drawn or photographed digit: preprocess it, predict it, ask the digit gate."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from model import config
from model.core.answer import RunModel, answer
from model.core.predictor import Predictor
from model.reading.gate import DigitGate, GateError, default_gate
from model.reading.preprocess import extract_ink, frame_digit, ink_box
from model.reading.refusal import Caveat, Refusal, text
from model.reading.strokes import StrokeInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    """A reading of one image: the ten probabilities, the 28x28 input, and its refusal if any.

    `refusal` is the kind of refusal (`model.reading.refusal`), e.g. `Refusal.NOT_A_DIGIT` when the
    digit gate (`model.reading.gate`) judged the input not a digit; None when a digit is read. The
    ten probabilities stay the best guess. `digit` is always the most probable class (the best
    guess); `answer` is that digit, or None when refused. `box` is (x, y, width, height) of the ink
    in the image read; `pen` what was measured of the pen (`caveats`: the drawing is small for it).
    """

    probabilities: np.ndarray  # float32 (10,)
    input: np.ndarray  # float32 (28, 28) in [0, 1], after preprocessing
    digit_score: float | None = (
        None  # the gate's probability that the input is a digit (None: no gate)
    )
    refusal: Refusal | None = None
    box: tuple[int, int, int, int] | None = None
    pen: StrokeInfo | None = None

    @property
    def digit(self) -> int:
        """The most probable digit: the answer, or the best guess when refused."""
        return int(np.argmax(self.probabilities))

    @property
    def refused(self) -> bool:
        """True when the input was refused (`refusal` says why)."""
        return self.refusal is not None

    @property
    def answer(self) -> int | None:
        """The digit read, or None when the input was refused as not a digit."""
        return None if self.refused else self.digit

    @property
    def reason(self) -> str | None:
        """Why there is no answer ("not a digit"), or None."""
        return None if self.refusal is None else text(self.refusal).reason

    @property
    def confidence(self) -> float:
        """The probability of the most probable digit."""
        return float(np.max(self.probabilities))

    @property
    def unsure(self) -> bool:
        """True when no digit reaches `config.UNSURE_BELOW`."""
        return self.confidence < config.UNSURE_BELOW

    @property
    def caveats(self) -> tuple[Caveat, ...]:
        """What is said beside the reading: the strokes very wide for the drawing's size, say."""
        too_thick = self.pen is not None and self.pen.pen_too_thick
        return (Caveat.TOO_SMALL_FOR_THE_PEN,) if too_thick else ()


def gate_or_none(gate: DigitGate | None = None, *, refuse: bool = True) -> DigitGate | None:
    """The gate to use: `gate`, else the shipped one; None when `refuse` is False or the gate cannot
    be loaded."""
    if not refuse:
        return None
    if gate is not None:
        return gate
    try:
        return default_gate()
    except GateError as error:
        logger.warning("digit gate unavailable, nothing will be refused: %s", error)
        return None


def judge(
    predictor: Predictor | RunModel, gate: DigitGate | None, inputs: np.ndarray
) -> list[tuple[np.ndarray, float | None, Refusal | None]]:
    """(probabilities, digit score, refusal) for each 28x28 input of `inputs` (n, 28, 28), in two
    batched calls; the probabilities are the run's raw `model.core.answer.answer`."""
    probabilities = answer(predictor, inputs, calibrated=False).probabilities
    if gate is None:
        return [(p, None, None) for p in probabilities]
    scores = np.atleast_1d(gate.scores(inputs))
    return [
        (p, float(s), Refusal.NOT_A_DIGIT if s < gate.threshold else None)
        for p, s in zip(probabilities, scores, strict=True)
    ]


def classify(
    predictor: Predictor | RunModel,
    image: np.ndarray,
    *,
    gate: DigitGate | None = None,
    refuse: bool = True,
) -> Classification:
    """Preprocess a digit image of any size, predict it and ask the digit gate (the shipped one
    unless `gate`
    is given; none when `refuse` is False); raises `EmptyImageError` when nothing is drawn."""
    ink = extract_ink(image)
    model_input, pen = frame_digit(ink.image, drawn=ink.drawn)
    [(probabilities, score, refusal)] = judge(
        predictor, gate_or_none(gate, refuse=refuse), model_input[None]
    )
    return Classification(probabilities, model_input, score, refusal, ink_box(ink), pen)
