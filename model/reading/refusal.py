"""Why a reading gives no digit: the kinds of refusal, and the one table of what is said for each.

A reading is either digits or a refusal of one `Refusal` kind. The kinds found in an image's
pixels travel as the `refusal` of a `model.reading.classify.Classification` (a mark the gate
judged not a digit); those found before any digit is read travel as a `RefusedImage` exception
(`EmptyImageError`, `ImageReadError`, ...) that names its kind and says the details. `Caveat`s are
said beside a digit that is read all the same.

`TEXTS` holds, for each kind, what `python -m model.predict` and the Draw page show: a short
`label` (the app's headline, a mark's caption) and the `reason` sentence (the CLI's "reason", the
app's message). Adding a kind is one member below and its entry in `TEXTS`
(tests/unit/test_refusal.py checks that every kind has one).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Refusal(enum.Enum):
    """Why there is no digit."""

    NOT_A_DIGIT = "not a digit"  # the digit gate judged the mark not a digit, or a stray part
    NOTHING_READABLE = "nothing readable"  # every part of a number was refused
    EMPTY = "empty"  # no pixels, no ink, or only a dot
    UNREADABLE = "unreadable image"  # not an image, damaged, unusable pixels
    TOO_LARGE = "too large"  # more bytes or pixels than are accepted
    TOO_MANY_PARTS = "too many parts"  # more separate marks than a number may have
    TOO_SLOW = "too slow"  # the reading ran over its time budget
    BUSY = "busy"  # the server is reading as many images as it may at once


class Caveat(enum.Enum):
    """Something said beside a digit that is read all the same."""

    TOO_SMALL_FOR_THE_PEN = "too small for the pen"  # strokes very wide for the drawing's size


@dataclass(frozen=True)
class Text:
    """What is shown for one kind: a short `label` and a `reason` sentence (lower case)."""

    label: str  # may name the image read as "{what}": see `title`
    reason: str

    def title(self, what: str = "image") -> str:
        """The label, naming the image read as `what` ("drawing", "upload") where it names it."""
        return self.label.format(what=what)


TEXTS: dict[Refusal | Caveat, Text] = {
    Refusal.NOT_A_DIGIT: Text("Not a digit", "not a digit"),
    Refusal.NOTHING_READABLE: Text(
        "Not a digit", "no digit found: every part was refused as not a digit"
    ),
    Refusal.EMPTY: Text("No digit found", "no digit found: the image holds almost no ink"),
    Refusal.UNREADABLE: Text("Cannot read the {what}", "the image cannot be read"),
    Refusal.TOO_LARGE: Text("Cannot read the {what}", "the image is too large"),
    Refusal.TOO_MANY_PARTS: Text(
        "Too many marks in the {what}", "the image holds too many marks to read as one number"
    ),
    Refusal.TOO_SLOW: Text("Cannot read the {what}", "reading the image took too long"),
    Refusal.BUSY: Text("Busy, try again", "the server is busy reading other images: try again"),
    Caveat.TOO_SMALL_FOR_THE_PEN: Text(
        "Pen thick for the drawing",
        "the pen is thick for a drawing this small: draw bigger, or choose a thinner pen",
    ),
}


def text(kind: Refusal | Caveat) -> Text:
    """What is shown for `kind` (see `TEXTS`)."""
    return TEXTS[kind]


def sentence(words: str) -> str:
    """`words` as a sentence: first letter upper case, a full stop at the end."""
    words = words.strip()
    return f"{words[:1].upper()}{words[1:]}{'' if words.endswith('.') else '.'}"


class RefusedImage(ValueError):
    """An image refused before any digit is read; `kind` says why, the message the details."""

    kind: Refusal = Refusal.UNREADABLE
