"""The Train page's form, checked without Dash: fields to a training, refusals, presets, names, the
live curves, the config's trip to the training process."""

from __future__ import annotations

import pytest

from dashboard.jobs.form import (
    DEFAULTS,
    FULL_TRAIN_SIZE,
    PRESET_LABELS,
    change_refusal,
    check_new_name,
    form_config,
    preset_fields,
    preset_options,
    suggest_name,
    train_size_label,
)
from model.training.fit import TrainConfig
from model.training.settings import PRESETS
from tests.support.constants import TRAIN_FORM as FORM


def test_form_gives_the_training_it_describes(tmp_path):
    cfg = form_config(runs_dir=tmp_path, max_epochs=10, name=" first ", **FORM)
    assert (cfg.architecture, cfg.epochs, cfg.batch_size, cfg.train_size, cfg.augment) == (
        "baseline",
        2,
        128,
        1024,
        False,
    )
    assert cfg.out == tmp_path / "first"
    full = form_config(
        runs_dir=tmp_path, max_epochs=10, name="all", **{**FORM, "train_size": FULL_TRAIN_SIZE}
    )
    assert full.train_size is None and train_size_label(FULL_TRAIN_SIZE) == "all 55,000 images"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "run name is empty"),
        ({"name": None}, "run name is empty"),
        ({"name": "two words"}, "run name must be"),
        ({"name": ".hidden"}, "run name must be"),
        ({"name": "taken"}, "'taken' already exists"),
        ({"epochs": 0}, "epochs must be a whole number from 1 to 10, got 0"),
        ({"epochs": 11}, "epochs must be a whole number from 1 to 10"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"epochs": None}, "epochs must be a whole number"),
        ({"batch_size": 100}, "batch size must be one of 32, 64, 128, 256, got 100"),
        ({"train_size": 10}, "training images must be a whole number from 256"),
        ({"architecture": "resnet"}, "architecture must be one of"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"preset": "fastest"}, "preset must be one of quick, strong, custom"),
        ({"preset": None}, "preset must be one of"),
    ],
)
def test_bad_form_input_is_refused_with_a_message_naming_the_field(tmp_path, change, message):
    (tmp_path / "taken").mkdir()
    values = {**FORM, "name": "fresh", **change}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        form_config(runs_dir=tmp_path, max_epochs=10, **values)


def test_the_form_starts_on_the_quick_preset_and_a_preset_gives_its_recipe_under_the_fields(
    tmp_path,
):
    assert DEFAULTS == {"preset": "quick", **preset_fields("quick"), "seed": 0}
    assert set(PRESET_LABELS) == {*PRESETS, "custom"} and [
        o["value"] for o in preset_options()
    ] == list(PRESET_LABELS)
    quick = form_config(runs_dir=tmp_path, max_epochs=10, name="q", **{**FORM, **DEFAULTS})
    assert (quick.preset, quick.architecture, quick.epochs, quick.batch_size, quick.train_size) == (
        "quick",
        "fast_cnn",
        PRESETS["quick"]["epochs"],
        256,
        None,
    )
    assert (quick.learning_rate, quick.beta_1, quick.ema, quick.tta) == (0.01, 0.7, False, False)
    strong = form_config(
        runs_dir=tmp_path,
        max_epochs=100,
        name="s",
        **{**FORM, **preset_fields("strong"), "preset": "strong", "epochs": 3},
    )
    assert (
        strong.preset == "strong" and strong.epochs == 3 and strong.ema and strong.tta
    )  # a field overrides
    custom = form_config(runs_dir=tmp_path, max_epochs=10, name="c", **FORM)
    assert (
        custom.preset is None and custom.architecture == "baseline" and custom.learning_rate == 3e-3
    )


def test_suggested_names_are_free(tmp_path):
    assert suggest_name(tmp_path, "convnet") == "convnet-2"
    (tmp_path / "convnet-2").mkdir()
    assert suggest_name(tmp_path, "convnet") == "convnet-3"
    assert check_new_name("convnet-3", tmp_path) == "convnet-3"


def test_the_default_run_runs_elsewhere_and_a_training_are_protected(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "DEFAULT").write_text("# the default\nmine\n")
    assert "mine is the default model" in change_refusal(runs / "mine", runs, renaming=False)
    assert "outside the runs directory" in change_refusal(
        tmp_path / "other" / "x", runs, renaming=True
    )
    assert "a training is running" in change_refusal(runs / "x", runs, renaming=True, training=True)
    assert change_refusal(runs / "x", runs, renaming=False, training=True) is None
    assert "only run" in change_refusal(runs / "x", runs, renaming=False, only_run=True)
    assert change_refusal(runs / "x", runs, renaming=True) is None
    (runs / "SHIPPED").write_text("# shipped\nconvnet\n")
    assert "ships with the app" in change_refusal(runs / "convnet", runs, renaming=True)
    (runs / "linked").symlink_to(tmp_path)
    assert "is a link to" in change_refusal(runs / "linked", runs, renaming=False)


def test_the_shipped_runs_are_listed_and_the_default_is_one_of_them():
    from model.config import RUNS_DIR
    from model.core.runs import RunStore

    store = RunStore(RUNS_DIR)
    assert store.shipped() == {path.name for path in RUNS_DIR.iterdir() if path.is_dir()}
    assert store.declared_default() == store.default_name() == "wide_cnn-strong"
    assert store.declared_default() in store.shipped()


def test_live_curves_span_the_whole_training():
    from dashboard.figures.curves import WAITING, fig_live_curves

    assert fig_live_curves([], "x", 5).layout.annotations[0].text == WAITING
    rows = [
        {"epoch": e, "loss": 1 / e, "accuracy": 0.8, "val_loss": 1.1 / e, "val_accuracy": 0.79}
        for e in (1, 2)
    ]
    figure = fig_live_curves(rows, "x", 5)
    assert list(figure.data[0].x) == [1, 2] and tuple(figure.layout.xaxis.range) == (0.5, 5.5)
    assert "epoch 2 of 5" in figure.layout.title.text
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        fig_live_curves(rows, "x", 0)


def test_config_survives_the_trip_to_the_training_process(tmp_path):
    cfg = TrainConfig(architecture="convnet", epochs=3, train_size=2048, out=tmp_path / "x")
    assert TrainConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="not a training configuration"):
        TrainConfig.from_json('{"epochs": 3, "unknown": 1}')
