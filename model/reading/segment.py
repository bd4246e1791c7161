"""Split a drawing or photo of a number into its digits and read them left to right.

The ink's connected components (OpenCV, after the same cleaning as single digits, ruled lines
removed) are grouped into digits: components whose horizontal extents overlap by at least half of
the narrower one, and that are not further apart vertically than half the taller one, belong to the
same digit (the two strokes of a 4, the bar of a 5 or of a crossed 7; not a speck far above a
digit).
Digits that touch are one component; a part wider than a digit is split where the classifier and
the digit gate read both sides best (classifier-guided splitting, tried at the columns with the
least ink). Every part is then read and judged by the digit gate: parts that are not digits (a
shadow's edge, a leftover of a line, a doodle) are refused and left out of the number, and so are
parts far shorter than the number's tallest (specks of noise) or shorter and cut by the image's
edge.

A reading stays within its budget (`model.reading.budget`): an image with more marks or parts than
a number may have is refused before any is read, at most `config.MAX_CUT_SEARCHES` wide parts have
their cuts tried, and the time is checked between stages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from model import config
from model.core.answer import RunModel
from model.core.predictor import Predictor
from model.reading.budget import Deadline, check_parts
from model.reading.classify import Classification, gate_or_none, judge
from model.reading.gate import DigitGate
from model.reading.preprocess import EmptyImageError, extract_ink, frame_digit, ink_box
from model.reading.refusal import Refusal
from model.reading.strokes import StrokeInfo

logger = logging.getLogger(__name__)

SAME_DIGIT_OVERLAP = (
    0.5  # horizontal overlap, as a fraction of the narrower part, that joins two parts
)
SAME_DIGIT_GAP = (
    0.5  # ... when they are no further apart vertically than this fraction of the taller
)
WIDE = 1.0  # a part wider than this times its height may be digits that touch
CUTS = 5  # columns tried per split
# a split must read this much better (product of confidence and digit score) than the whole
SPLIT_MARGIN = 0.05
MAX_SPLITS = 3  # a part is split at most this deep (four touching digits)
# a part this much wider than tall (1.4% of MNIST's digits are) is split even when it reads
SEVERAL = 1.25
SURE_PIECES = (
    0.7  # well whole, if both pieces read at least this well and nearly as well as the whole
)
SLACK = (
    0.03  # (a wide 0 cut in two reads worse than whole; a 6 and a 0 that touch read as well cut)
)
UNSPLIT_WORTH = (
    0.5  # the worth of a piece wide enough to be split again, whatever it reads as whole
)
SPLIT_HEIGHT = 0.6  # only parts at least this fraction of the tallest part's height are split
EDGE_PART = 0.8  # parts cut by the image's edge must be at least this fraction of the tallest
SMALL_PART = (
    0.3  # parts shorter than this fraction of the tallest part are not digits of the number
)


@dataclass(frozen=True)
class Segment:
    """One digit of a number: its box (x, y, width, height) in the input image and its 28x28
    input."""

    box: tuple[int, int, int, int]
    input: np.ndarray
    pen: StrokeInfo | None = None


def _same_digit(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """True when boxes (x0, y0, x1, y1) `a` and `b` overlap horizontally by SAME_DIGIT_OVERLAP of
    the narrower and are
    no further apart vertically than SAME_DIGIT_GAP of the taller (strokes of one digit are close
    together)."""
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    gap = max(a[1], b[1]) - min(a[3], b[3])
    return overlap >= SAME_DIGIT_OVERLAP * min(
        a[2] - a[0], b[2] - b[0]
    ) and gap <= SAME_DIGIT_GAP * max(a[3] - a[1], b[3] - b[1])


def _group_components(boxes: np.ndarray) -> list[list[int]]:
    """Indices of components (boxes x, y, w, h) grouped into digits, groups ordered left to
    right."""
    order = np.argsort(boxes[:, 0])
    groups = [[int(i)] for i in order]
    spans = [(x, y, x + width, y + height) for x, y, width, height in boxes[order, :4].tolist()]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if _same_digit(spans[a], spans[b]):
                    groups[a] += groups.pop(b)
                    (a0, a1, a2, a3), (b0, b1, b2, b3) = spans[a], spans.pop(b)
                    spans[a] = (min(a0, b0), min(a1, b1), max(a2, b2), max(a3, b3))
                    merged = True
                    break
            if merged:
                break
    order = np.argsort([span[0] for span in spans])
    return [groups[i] for i in order]


@dataclass(frozen=True)
class _Part:
    """Ink of one candidate digit: the image cropped to its box, and the box in the input image."""

    ink: np.ndarray
    box: tuple[int, int, int, int]
    scale: float
    drawn: bool

    def segment(self) -> Segment:
        model_input, pen = frame_digit(self.ink, drawn=self.drawn)
        return Segment(self.box, model_input, pen)

    def cut(self, column: int) -> tuple[_Part, _Part]:
        """The parts left and right of `column` (of the cropped ink)."""
        x, y, _, height = self.box
        left, right = self.ink[:, :column], self.ink[:, column:]
        at = round(column / self.scale)
        return (
            _Part(left, (x, y, at, height), self.scale, self.drawn),
            _Part(right, (x + at, y, self.box[2] - at, height), self.scale, self.drawn),
        )


def _cut_columns(ink: np.ndarray) -> list[int]:
    """Up to CUTS columns where a cut would cross the least ink, in the middle 60% of the part."""
    width = ink.shape[1]
    profile = (ink > 0.3).sum(axis=0).astype(np.float64)
    start, stop = int(width * 0.2), int(width * 0.8)
    if stop - start < 2:
        return []
    middle = (
        profile[start:stop] + np.abs(np.arange(start, stop) - width / 2) / width
    )  # ties go to the centre
    return sorted(start + int(i) for i in np.argsort(middle)[:CUTS])


def _quality(
    reading: tuple[np.ndarray, float | None, Refusal | None], part: _Part | None = None
) -> float:
    """How well a part reads as a digit: top probability times digit score (0 when refused); a part
    wide enough to hold more digits counts at least UNSPLIT_WORTH, since it may be split further."""
    probabilities, score, refusal = reading
    value = (
        0.0
        if refusal is not None
        else float(np.max(probabilities)) * (1.0 if score is None else score)
    )
    if part is None or part.ink.shape[1] <= WIDE * part.ink.shape[0]:
        return value
    return max(value, UNSPLIT_WORTH)


@dataclass
class _Search:
    """What the search for cuts reads with, and what it may still spend."""

    predictor: Predictor | RunModel
    gate: DigitGate | None
    deadline: Deadline
    searches: int = config.MAX_CUT_SEARCHES  # wide parts whose cuts may still be tried


def _split(part: _Part, search: _Search, depth: int = 0) -> list[_Part]:
    """`part`, or its pieces when it reads better cut in two (recursively, for three or four
    touching digits; whole once the search's budget is spent)."""
    height, width = part.ink.shape
    if depth >= MAX_SPLITS or width <= WIDE * height:
        return [part]
    cuts = [part.cut(column) for column in _cut_columns(part.ink)]
    cuts = [(a, b) for a, b in cuts if a.ink.any() and b.ink.any()]
    if not cuts or search.searches <= 0:
        return [part]
    search.deadline.check("cutting wide parts")
    search.searches -= 1
    inputs = [part.segment().input] + [p.segment().input for pair in cuts for p in pair]
    readings = judge(search.predictor, search.gate, np.stack(inputs))
    whole = _quality(readings[0])
    pairs = [
        min(_quality(readings[1 + 2 * i], a), _quality(readings[2 + 2 * i], b))
        for i, (a, b) in enumerate(cuts)
    ]
    best = int(np.argmax(pairs))
    surely_several = width >= SEVERAL * height and pairs[best] >= max(SURE_PIECES, whole - SLACK)
    if pairs[best] <= whole + SPLIT_MARGIN and not surely_several:
        return [part]
    left, right = cuts[best]
    return _split(left, search, depth + 1) + _split(right, search, depth + 1)


def _parts(image: np.ndarray) -> list[_Part]:
    """The grouped components of `image`'s ink, left to right, each cropped to its box."""
    ink = extract_ink(image)
    check_parts(len(ink.boxes), limit=config.MAX_COMPONENTS)
    groups = _group_components(ink.boxes)
    check_parts(len(groups), "parts")
    parts = []
    for group in groups:
        labels = np.asarray(group) + 1  # component labels start at 1
        digit_ink = np.where(np.isin(ink.labels, labels), ink.image, 0.0).astype(np.float32)
        boxes = ink.boxes[group]
        x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
        x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
        parts.append(_Part(digit_ink[y0:y1, x0:x1], ink_box(ink, labels), ink.scale, ink.drawn))
    return parts


def segment_digits(image: np.ndarray) -> list[Segment]:
    """The digits of `image`, left to right, touching digits not split; raises `EmptyImageError`
    when nothing is drawn."""
    return [part.segment() for part in _parts(image)]


def _stray(segment: Segment, tallest: int, shape: tuple[int, int], gate: DigitGate | None) -> bool:
    """True, when refusing, for a part far shorter than the number's tallest (a speck of noise), or
    shorter and
    cut by the image's edge (the end of a line, a shadow's edge: digits lie inside the picture)."""
    if gate is None:
        return False
    x, y, width, height = segment.box
    on_edge = x <= 1 or y <= 1 or x + width >= shape[1] - 1 or y + height >= shape[0] - 1
    across = (
        height >= shape[0] - 3 or width >= shape[1] - 3
    )  # from edge to edge: a line left over, not a digit
    if (
        height >= SMALL_PART * tallest
        and not (on_edge and height < EDGE_PART * tallest)
        and not across
    ):
        return False
    logger.info(
        "part at %s refused: too short for a digit of this number, or cut by the edge", segment.box
    )
    return True


@dataclass(frozen=True)
class NumberReading:
    """The parts of a number, left to right, each with its segment and classification (refused ones
    included)."""

    segments: list[Segment]
    classifications: list[Classification]

    @property
    def digits(self) -> list[Classification]:
        """The classifications of the parts read as digits (refused parts left out)."""
        return [c for c in self.classifications if not c.refused]

    @property
    def text(self) -> str:
        """The number as a string of digits, e.g. "42"; refused parts are left out ("" when every
        part was)."""
        return "".join(str(c.digit) for c in self.digits)


def read_number(
    predictor: Predictor | RunModel,
    image: np.ndarray,
    *,
    gate: DigitGate | None = None,
    refuse: bool = True,
    split: bool = True,
    deadline: Deadline | None = None,
) -> NumberReading:
    """Segment `image` into digits (splitting touching ones unless `split` is False), read them in
    one batch and
    refuse the parts that are not digits (unless `refuse` is False); `EmptyImageError` when nothing
    is drawn. Over its budget (`deadline`, from now by default; too many parts) it is refused
    (`model.reading.budget`)."""
    deadline = deadline or Deadline()
    gate = gate_or_none(gate, refuse=refuse)
    parts = _parts(image)
    deadline.check("finding the parts")
    if split:
        search = _Search(predictor, gate, deadline)
        tallest = max(part.ink.shape[0] for part in parts)
        parts = [
            piece
            for part in parts
            for piece in (
                _split(part, search) if part.ink.shape[0] >= SPLIT_HEIGHT * tallest else [part]
            )
        ]
        check_parts(len(parts), "parts once cut")
    segments = [part.segment() for part in parts]
    deadline.check("framing the parts")
    if not segments:
        raise EmptyImageError("nothing is drawn: the image has no ink")
    readings = judge(predictor, gate, np.stack([segment.input for segment in segments]))
    shape = image.shape[:2]
    tallest = max((s.box[3] for s in segments if s.box[3] < shape[0] - 3), default=shape[0])
    classifications = [
        Classification(
            probabilities,
            segment.input,
            score,
            refusal or (Refusal.NOT_A_DIGIT if _stray(segment, tallest, shape, gate) else None),
            segment.box,
            segment.pen,
        )
        for (probabilities, score, refusal), segment in zip(readings, segments, strict=True)
    ]
    return NumberReading(segments, classifications)
