"""A short real training writes a complete run directory that loads back and predicts."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from model.core.mnist import pixels
from model.core.predictor import load_predictor
from model.core.runs import RUN_FILES, RunError, list_runs, load_run, write_run
from model.training.command import parse_args
from model.training.fit import TrainConfig, train


def test_tiny_run_is_complete_and_consistent(tiny_run, mnist):
    assert sorted(p.name for p in tiny_run.iterdir()) == sorted([*RUN_FILES, "calibration.json"])
    calibration = json.loads(
        (tiny_run / "calibration.json").read_text()
    )  # fitted on the validation split
    assert calibration["temperature"] > 0
    assert (
        calibration["validation_nll"]["calibrated"] <= calibration["validation_nll"]["raw"] + 1e-6
    )
    run = load_run(tiny_run)
    assert run.metadata["architecture"] == "convnet" and run.metadata["epochs"] == 2
    assert run.metadata["parameters"] == 34826
    assert run.metadata["hyperparameters"]["train_images"] == 4000
    assert {"tensorflow", "keras", "numpy", "scikit-learn"} <= set(run.metadata["versions"])
    expected = ["epoch", "accuracy", "loss", "val_accuracy", "val_loss", "learning_rate", "seconds"]
    assert sorted(run.history.columns) == sorted(expected) and len(run.history) == 2
    assert run.history["learning_rate"].iloc[1] < run.history["learning_rate"].iloc[0]
    assert run.probabilities.shape == (10000, 10)
    np.testing.assert_allclose(run.probabilities.sum(axis=1), 1.0, atol=1e-4)
    evaluation = run.evaluation
    matrix = np.array(evaluation["confusion_matrix"])
    assert (
        matrix.sum() == 10000 and matrix.sum(axis=1).tolist() == np.bincount(mnist.y_test).tolist()
    )
    assert np.trace(matrix) / 10000 == pytest.approx(evaluation["accuracy"])
    assert evaluation["accuracy"] == pytest.approx(
        (run.probabilities.argmax(1) == mnist.y_test).mean()
    )
    assert evaluation["accuracy"] > 0.85  # 2 epochs on 4,000 images already learn most digits
    assert run.metadata["test_accuracy"] == evaluation["accuracy"]


def test_run_loads_back_and_predicts_like_its_evaluation(tiny_run, mnist):
    predictor = load_predictor(tiny_run)
    probabilities = predictor.predict(pixels(mnist.x_test[:200]))
    np.testing.assert_allclose(probabilities, load_run(tiny_run).probabilities[:200], atol=1e-4)
    single = predictor.predict(pixels(mnist.x_test[0]))
    assert single.shape == (10,) and int(single.argmax()) == int(probabilities[0].argmax())
    with pytest.raises(ValueError, match="shape"):
        predictor.predict(np.zeros((3, 32, 32)))


def test_interrupted_training_leaves_no_run(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(
            TrainConfig(architecture="baseline", epochs=1, train_size=512, out=tmp_path / "r"),
            callbacks=[Interrupt()],
            verbose=0,
        )
    assert list(tmp_path.iterdir()) == []


def test_mirrored_strategy_trains(tmp_path):
    run_dir = train(
        TrainConfig(
            architecture="baseline",
            epochs=1,
            train_size=1024,
            strategy="mirrored",
            out=tmp_path / "mirrored",
        ),
        verbose=0,
    )
    assert load_run(run_dir).metadata["hyperparameters"]["strategy"] == "mirrored"


def test_failed_write_keeps_the_old_run(tiny_run, tmp_path):
    def fail(directory):
        (directory / "model.keras").write_text("half written")
        raise OSError("disk full")

    import shutil

    copy = shutil.copytree(tiny_run, tmp_path / "copy")
    with pytest.raises(OSError, match="disk full"):
        write_run(copy, fail)
    assert load_run(copy).evaluation["accuracy"] > 0.85
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]
    with pytest.raises(RunError, match="incomplete"):
        write_run(tmp_path / "new", lambda d: (d / "model.keras").write_text("only this"))
    assert list_runs(tmp_path) == [copy]


def test_list_and_load_refuse_incomplete_runs(tmp_path):
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "metadata.json").write_text("{}")
    (tmp_path / ".hidden.tmp").mkdir()
    assert list_runs(tmp_path) == [] and list_runs(tmp_path / "absent") == []
    with pytest.raises(RunError, match="incomplete: missing model.keras"):
        load_run(tmp_path / "partial")
    with pytest.raises(RunError, match="does not exist"):
        load_run(tmp_path / "absent")


def test_options_are_checked():
    cfg = parse_args(
        ["--arch", "convnet", "--epochs", "3", "--no-augment", "--train-size", "500", "--out", "x"]
    )
    assert (cfg.architecture, cfg.epochs, cfg.augment, cfg.train_size) == ("convnet", 3, False, 500)
    assert parse_args([]).augment is True
    for bad in (["--epochs", "0"], ["--train-size", "10"], ["--arch", "resnet"]):
        with pytest.raises(SystemExit):
            parse_args(bad)
