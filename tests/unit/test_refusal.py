"""The kinds of refusal and their one table of texts: every kind has a text, and every exception
that refuses an image names its kind."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from dashboard.drawing.upload import MAX_SIDE, upload_image
from model.reading.preprocess import (
    EmptyImageError,
    ImageReadError,
    ImageTooLargeError,
    decode_image,
    extract_ink,
    to_grayscale,
)
from model.reading.refusal import TEXTS, Caveat, Refusal, RefusedImage, sentence, text


@pytest.mark.parametrize("kind", [*Refusal, *Caveat])
def test_every_kind_has_a_label_and_a_reason(kind):
    words = text(kind)
    assert words.label and words.label[0].isupper() and "{" not in words.title("upload")
    assert words.reason and words.reason[0].islower() and not words.reason.endswith(".")


def test_the_table_holds_the_kinds_and_nothing_else():
    assert set(TEXTS) == {*Refusal, *Caveat}


def test_a_label_can_name_the_image_read():
    assert text(Refusal.UNREADABLE).title("upload") == "Cannot read the upload"
    assert text(Refusal.TOO_LARGE).title("drawing") == "Cannot read the drawing"
    assert text(Refusal.NOT_A_DIGIT).title("upload") == "Not a digit"


def test_a_sentence_starts_upper_case_and_ends_once():
    assert sentence("the file is empty") == "The file is empty."
    assert sentence("done.") == "Done."


def png(width: int, height: int) -> str:
    import cv2

    ok, data = cv2.imencode(".png", np.zeros((height, width), np.uint8))
    assert ok
    return "data:image/png;base64," + base64.b64encode(data.tobytes()).decode()


@pytest.mark.parametrize(
    ("refuse", "kind"),
    [
        (lambda: extract_ink(np.zeros((50, 50), np.uint8)), Refusal.EMPTY),
        (lambda: to_grayscale(np.zeros((0, 5), np.uint8)), Refusal.EMPTY),
        (lambda: decode_image(b"not an image"), Refusal.UNREADABLE),
        (lambda: decode_image(b""), Refusal.UNREADABLE),
        (lambda: upload_image("nothing"), Refusal.UNREADABLE),
        (lambda: upload_image(png(MAX_SIDE + 1, 2)), Refusal.TOO_LARGE),
        (lambda: upload_image("data:image/png;base64," + "A" * 1000, 100), Refusal.TOO_LARGE),
    ],
)
def test_each_refused_image_names_its_kind(refuse, kind):
    with pytest.raises(RefusedImage) as refused:
        refuse()
    assert refused.value.kind is kind and str(refused.value)


def test_the_refusal_exceptions_stay_value_errors_of_their_old_types():
    assert issubclass(EmptyImageError, ValueError) and issubclass(ImageReadError, ValueError)
    assert issubclass(ImageTooLargeError, ImageReadError)
