"""One answer per image (`model.core.answer`): for a test image it is the run's stored row, raw or
temperature-scaled, with the run's test-time augmentation; bad input is a clear ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.answer import Answer, RunModel, answer, as_run_model, describe, load_run_model
from model.core.calibration import apply_temperature
from model.core.mnist import pixels
from model.core.predictor import load_predictor
from model.core.runs import load_run
from tests.support.answers import shipped_tta_run

INDICES = list(range(0, 10000, 500))  # 20 test images


@pytest.fixture(scope="module")
def shipped():
    """The shipped run with TTA and a temperature: its path and its `RunModel`."""
    path = shipped_tta_run()
    return path, load_run_model(path)


def _check_equals_stored(path, model: RunModel, mnist) -> None:
    stored = load_run(path).probabilities[INDICES]
    images = pixels(mnist.x_test[INDICES])
    raw = answer(model, images, calibrated=False)
    assert raw.probabilities.shape == (20, 10) and raw.probabilities.dtype == np.float32
    np.testing.assert_allclose(raw.probabilities, stored, atol=1e-5)
    calibrated = answer(model, images, calibrated=True)
    np.testing.assert_allclose(
        calibrated.probabilities, apply_temperature(stored, model.temperature), atol=1e-5
    )
    one = answer(model, images[3], calibrated=True)
    assert one.probabilities.shape == (10,)
    np.testing.assert_allclose(one.probabilities, calibrated.probabilities[3], atol=1e-5)


def test_a_tta_run_answers_a_test_image_with_its_stored_row(shipped, mnist):
    path, model = shipped
    assert model.tta and model.temperature is not None
    _check_equals_stored(path, model, mnist)
    plain = answer(model.predictor, pixels(mnist.x_test[INDICES]), calibrated=False)
    stored = load_run(path).probabilities[INDICES]
    assert not np.allclose(plain.probabilities, stored, atol=1e-3)  # without TTA it differs


def test_a_run_without_tta_answers_a_test_image_with_its_stored_row(tiny_run, mnist):
    model = load_run_model(tiny_run)
    assert not model.tta and model.temperature is not None
    _check_equals_stored(tiny_run, model, mnist)


def test_the_answer_says_what_its_probabilities_are(shipped, tiny_run, mnist):
    _, model = shipped
    image = pixels(mnist.x_test[0])
    assert answer(model, image, calibrated=True).description == (
        "calibrated, with test-time augmentation"
    )
    assert answer(model, image, calibrated=False).description == (
        "raw, with test-time augmentation"
    )
    bare = answer(load_predictor(tiny_run), image, calibrated=True)
    assert not bare.calibrated and bare.description == "raw, without test-time augmentation"
    assert describe(calibrated=True, tta=False) == "calibrated, without test-time augmentation"


def test_a_predictor_alone_answers_without_tta_or_temperature(tiny_run, mnist):
    predictor = load_predictor(tiny_run)
    assert as_run_model(predictor) == RunModel(predictor)
    image = pixels(mnist.x_test[7])
    np.testing.assert_allclose(
        answer(predictor, image, calibrated=True).probabilities,
        predictor.predict(image),
        atol=1e-6,
    )


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((27, 28)), "shape"),
        (np.zeros((2, 28, 28, 3)), "shape"),
        (np.zeros(10), "shape"),
        (np.full((28, 28), np.nan), "finite"),
    ],
)
def test_bad_images_raise_a_value_error_naming_them(tiny_run, images, message):
    with pytest.raises(ValueError, match=message) as raised:
        answer(load_predictor(tiny_run), images, calibrated=False)
    assert "images" in str(raised.value)


def test_an_answer_of_one_image_and_of_a_batch_agree(tiny_run, mnist):
    model = load_run_model(tiny_run)
    batch = pixels(mnist.x_test[:3])
    many = answer(model, batch[..., None], calibrated=True)
    assert isinstance(many, Answer) and many.probabilities.shape == (3, 10)
    for image, row in zip(batch, many.probabilities, strict=True):
        np.testing.assert_allclose(
            answer(model, image, calibrated=True).probabilities, row, atol=1e-5
        )
