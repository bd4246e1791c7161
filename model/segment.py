"""Split a drawing or photo of a number into its digits and read them left to right.

The ink's connected components (OpenCV, after the same cleaning as single digits) are grouped
into digits: components whose horizontal extents overlap by at least half of the narrower one
belong to the same digit (the two strokes of a 4, the bar of a 5 or of a crossed 7). Digits that
touch each other stay one component and are read as one digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.inference import Classification, Predictor
from model.preprocess import center_in_frame, extract_ink

SAME_DIGIT_OVERLAP = 0.5  # horizontal overlap, as a fraction of the narrower part, that joins two parts


@dataclass(frozen=True)
class Segment:
    """One digit of a number: its box (x, y, width, height) in the input image and its 28x28 input."""

    box: tuple[int, int, int, int]
    input: np.ndarray


def _group_components(boxes: np.ndarray) -> list[list[int]]:
    """Indices of components (boxes x, y, w, h) grouped into digits, groups ordered left to right."""
    groups = [[i] for i in np.argsort(boxes[:, 0])]
    spans = [(int(boxes[i, 0]), int(boxes[i, 0] + boxes[i, 2])) for i in (g[0] for g in groups)]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                (a0, a1), (b0, b1) = spans[a], spans[b]
                overlap = min(a1, b1) - max(a0, b0)
                if overlap >= SAME_DIGIT_OVERLAP * min(a1 - a0, b1 - b0):
                    groups[a] += groups.pop(b)
                    spans[a] = (min(a0, b0), max(a1, b1))
                    spans.pop(b)
                    merged = True
                    break
            if merged:
                break
    order = np.argsort([span[0] for span in spans])
    return [groups[i] for i in order]


def segment_digits(image: np.ndarray) -> list[Segment]:
    """The digits of `image`, left to right; raises `EmptyImageError` when nothing is drawn."""
    ink = extract_ink(image)
    segments = []
    for group in _group_components(ink.boxes):
        labels = np.asarray(group) + 1  # component labels start at 1
        digit_ink = np.where(np.isin(ink.labels, labels), ink.image, 0.0).astype(np.float32)
        boxes = ink.boxes[group]
        x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
        x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
        segments.append(Segment((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), center_in_frame(digit_ink)))
    return segments


@dataclass(frozen=True)
class NumberReading:
    """The digits read from a number, left to right, each with its segment and classification."""

    segments: list[Segment]
    classifications: list[Classification]

    @property
    def text(self) -> str:
        """The number as a string of digits, e.g. "42"."""
        return "".join(str(c.digit) for c in self.classifications)


def read_number(predictor: Predictor, image: np.ndarray) -> NumberReading:
    """Segment `image` into digits and classify them in one batch; `EmptyImageError` when nothing is drawn."""
    segments = segment_digits(image)
    probabilities = predictor.predict(np.stack([segment.input for segment in segments]))
    return NumberReading(
        segments, [Classification(p, segment.input) for p, segment in zip(probabilities, segments, strict=True)]
    )
