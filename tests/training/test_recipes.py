"""Short runs that do not collapse, the quick preset's run, test-time augmentation, ensembles and
cross-validation: real trainings."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from model.core import evaluation as evaluate
from model.core.predictor import load_keras_model, load_predictor
from model.core.runs import load_run
from model.core.tta import TTA_SHIFTS
from model.insight.saliency import Explainer
from model.training import ensemble
from model.training.fit import train
from model.training.settings import TrainConfig, preset_config

# Real short trainings on small subsets (presets, schedules and the pipeline without training:
# tests/unit/test_presets_and_pipeline.py).


@pytest.mark.training
def test_tiny_subset_learns_and_two_epochs_are_not_worse_than_one(tmp_path):
    """The old collapse: 2 epochs on 2,048 images gave 29%, worse than 1 epoch's 58%."""
    accuracies = {}
    for epochs in (1, 2):
        cfg = preset_config(
            "strong", epochs=epochs, train_size=2048, tta=False, out=tmp_path / f"e{epochs}"
        )
        accuracies[epochs] = load_run(train(cfg, verbose=0)).evaluation["accuracy"]
    assert accuracies[1] > 0.5 and accuracies[2] > 0.8, accuracies  # chance is 0.1
    assert accuracies[2] >= accuracies[1] - 0.05, accuracies


@pytest.mark.training
def test_quick_preset_on_a_subset_writes_a_run_with_its_recipe(tmp_path):
    cfg = preset_config("quick", epochs=1, train_size=4096, out=tmp_path / "quick")
    run = load_run(train(cfg, verbose=0))
    assert run.metadata["preset"] == "quick" and run.metadata["architecture"] == "fast_cnn"
    assert run.metadata["hyperparameters"]["beta_1"] == 0.7 and run.evaluation["accuracy"] > 0.9
    assert run.metadata["evaluation"]["test_time_augmentation"] is None


@pytest.mark.training
def test_tta_is_recorded_and_evaluate_repeats_it(tmp_path, capsys):
    tiny_run = train(
        TrainConfig(
            architecture="convnet", epochs=1, train_size=2048, tta=True, out=tmp_path / "tta"
        ),
        verbose=0,
    )
    run = load_run(tiny_run)
    tta = run.evaluation["test_time_augmentation"]
    assert (
        tta["shifts"] == [list(shift) for shift in TTA_SHIFTS]
        and 0.5 < tta["accuracy_without"] <= 1
    )
    assert run.metadata["evaluation"]["test_time_augmentation"] == tta
    assert evaluate.main(["--run", str(tiny_run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["accuracy"] == pytest.approx(run.evaluation["accuracy"], abs=2e-4)
    assert evaluate.main(["--run", str(tiny_run), "--no-tta", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert plain["accuracy"] == pytest.approx(tta["accuracy_without"], abs=2e-4)


@pytest.mark.training
def test_ensemble_is_one_model_that_every_explanation_reads(runs_dir, tmp_path, mnist, capsys):
    members = [runs_dir / "convnet", runs_dir / "baseline"]
    out = tmp_path / "runs" / "ensemble"
    assert ensemble.main([*map(str, members), "--out", str(out), "--no-tta"]) == 0
    run = load_run(out)
    assert [m["name"] for m in run.metadata["members"]] == ["convnet", "baseline"]
    model = load_keras_model(out)
    assert model.get_layer("logits").dtype == "float32" and model.layers[-1].name == "probabilities"
    # The ensemble's probabilities are the normalized geometric mean of the members'.
    images = mnist.x_test[:50] / 255.0
    member_probabilities = [load_predictor(path).predict(images) for path in members]
    geometric = np.exp(np.mean(np.log(np.clip(member_probabilities, 1e-30, 1)), axis=0))
    np.testing.assert_allclose(
        load_predictor(out).predict(images), geometric / geometric.sum(1, keepdims=True), atol=1e-4
    )
    explainer = Explainer(model)
    assert "gradcam" in explainer.methods and explainer.cam_layer.startswith("m")
    assert explainer.explain(images[0].astype(np.float32), "gradcam").shape == (28, 28)


# Cross-validation for the label-error search (model.trust.crossval): the quick preset per fold.


def test_cross_validated_probabilities_come_from_models_that_never_saw_the_image(mnist):
    from model.trust.crossval import cross_validated_probabilities, cross_validation_config

    assert (
        cross_validation_config().preset == "quick"
        and cross_validation_config().label_smoothing == 0
    )
    images, labels = mnist.x_train[:4000], mnist.y_train[:4000].copy()
    flipped = np.arange(0, 4000, 80)  # 50 labels made wrong on purpose
    given = labels.copy()
    given[flipped] = (labels[flipped] + 1) % 10
    probabilities = cross_validated_probabilities(
        images, given, folds=2, cfg=dataclasses.replace(cross_validation_config(), epochs=4)
    )
    assert probabilities.shape == (4000, 10) and np.allclose(
        probabilities.sum(axis=1), 1, atol=1e-3
    )
    assert (probabilities.argmax(axis=1) == labels).mean() > 0.93
    # Out of sample, a wrong label is not learnt: its image is still read as its true digit.
    assert (probabilities[flipped].argmax(axis=1) == labels[flipped]).mean() > 0.75
    assert probabilities[flipped, given[flipped]].mean() < 0.25
