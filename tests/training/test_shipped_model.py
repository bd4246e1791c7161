"""The shipped runs: present, complete, and as accurate as promised, measured from the model
file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model import config
from model.core import evaluation as evaluate
from model.core.predictor import load_predictor
from model.core.runs import default_run_dir, load_run
from model.reading.classify import classify
from tests.support.drawing import DIGIT_STROKES, render

SHIPPED_BAR = 0.996


def test_the_default_run_accuracy_from_its_own_file(capsys):
    assert evaluate.main(["--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    run = load_run(default_run_dir(config.RUNS_DIR))
    assert summary["accuracy"] >= SHIPPED_BAR
    assert summary["accuracy"] == pytest.approx(run.evaluation["accuracy"], abs=2e-4)
    assert (
        run.metadata["architecture"] == "wide_cnn"
        and run.metadata["hyperparameters"]["augment"] is True
    )
    assert run.metadata["preset"] in (
        None,
        "strong",
    )  # the strong preset is the default recipe of `TrainConfig`


def test_ensemble_run_is_shipped_and_measured_from_its_own_file(capsys):
    run = load_run(config.RUNS_DIR / "ensemble")
    assert run.metadata["architecture"] == "ensemble" and len(run.metadata["members"]) >= 3
    assert run.evaluation["accuracy"] >= SHIPPED_BAR
    assert evaluate.main(["--run", str(run.path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["accuracy"] == pytest.approx(run.evaluation["accuracy"], abs=2e-4)


def test_convnet_run_is_shipped_for_comparison():
    run = load_run(config.RUNS_DIR / "convnet")
    assert run.metadata["architecture"] == "convnet" and run.evaluation["accuracy"] > 0.985


def test_drawings_are_recognised():
    predictor = load_predictor()
    for digit in DIGIT_STROKES:
        for box in ((0.2, 0.1, 0.6, 0.8), (0.05, 0.5, 0.3, 0.4)):
            result = classify(predictor, render(digit, box=box))
            assert result.digit == digit, (digit, box, np.round(result.probabilities, 2))


def test_preprocessed_mnist_keeps_its_accuracy(mnist):
    from model.reading.preprocess import preprocess

    predictor = load_predictor()
    images = np.stack([preprocess(image) for image in mnist.x_test[:1000]])
    assert (predictor.predict(images).argmax(1) == mnist.y_test[:1000]).mean() >= 0.99
