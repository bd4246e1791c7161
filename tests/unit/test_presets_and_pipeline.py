"""Presets and explicit options over them, the in-memory pipeline and augmentation, the recipe's
schedules, the ensemble's refusal: no training."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.tta import TTA_SHIFTS, predict_with_tta, shift_images
from model.training import ensemble
from model.training.command import parse_args
from model.training.pipeline import augment, training_dataset
from model.training.recipe import batch_norm_momentum, ema_momentum, learning_rate_schedule
from model.training.settings import PRESETS, TrainConfig, preset_config


def test_presets_fill_in_and_options_override():
    quick = parse_args(["--preset", "quick"])
    assert (quick.architecture, quick.batch_size, quick.preset) == ("fast_cnn", 256, "quick")
    assert quick.out.name == "quick"
    strong = parse_args(["--preset", "strong", "--epochs", "2", "--no-tta", "--out", "x"])
    assert (strong.architecture, strong.epochs, strong.tta, strong.ema) == (
        "wide_cnn",
        2,
        False,
        True,
    )
    default = parse_args([])
    assert (
        default.preset is None
        and default.out.name == "wide_cnn"
        and default.architecture == "wide_cnn"
    )
    assert set(PRESETS) >= {"quick", "strong"}
    with pytest.raises(ValueError, match="preset must be one of"):
        preset_config("fastest")
    with pytest.raises(ValueError, match="unknown training options"):
        preset_config("quick", epoch=3)
    for bad in (["--preset", "nope"], ["--label-smoothing", "1.5"], ["--schedule", "linear"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_no_preset_is_the_shipped_recipe_which_strong_names():
    from dataclasses import asdict

    recipe_of = lambda cfg: {k: v for k, v in asdict(cfg).items() if k not in ("preset", "out")}  # noqa: E731
    assert recipe_of(TrainConfig()) == recipe_of(preset_config("strong"))


def test_architectures_carry_their_own_augmentation_default():
    assert TrainConfig(architecture="deep_cnn").augment is True
    assert TrainConfig(architecture="convnet").augment is False
    assert TrainConfig(architecture="convnet", augment=True).augment is True


def test_short_runs_get_fast_batch_norm_and_no_ema():
    assert batch_norm_momentum(10_000) == 0.99 and batch_norm_momentum(32) < 0.7
    assert ema_momentum(50) is None and 0.99 < ema_momentum(4_000) < 0.999
    one_cycle = learning_rate_schedule("one_cycle", peak=0.01, steps_per_epoch=10, epochs=4)
    rates = [float(one_cycle(step)) for step in range(41)]
    assert (
        max(rates) == pytest.approx(0.01)
        and rates[0] < 0.001
        and rates[-1] == pytest.approx(0.0, abs=1e-9)
    )
    assert int(np.argmax(rates)) == 10  # peak after a quarter of the run


def test_training_batches_cover_every_image_once_per_epoch():
    x = np.arange(64, dtype=np.float32).reshape(64, 1, 1, 1) * np.ones((1, 28, 28, 1), np.float32)
    y = np.arange(64) % 10
    batches = list(training_dataset(x, y, batch_size=16, seed=1).take(8).as_numpy_iterator())
    first_epoch = np.concatenate([images[:, 0, 0, 0] for images, _ in batches[:4]])
    assert sorted(first_epoch.astype(int).tolist()) == list(range(64))
    second_epoch = np.concatenate([images[:, 0, 0, 0] for images, _ in batches[4:]])
    assert not np.array_equal(first_epoch, second_epoch)
    images, labels = batches[0]
    assert images.shape == (16, 28, 28, 1) and labels.shape == (16, 10)
    np.testing.assert_array_equal(labels.argmax(1), images[:, 0, 0, 0].astype(int) % 10)


def test_augmentation_moves_pixels_but_keeps_the_digit(mnist):
    import tensorflow as tf

    images = tf.constant(mnist.x_test[:32, ..., None] / 255.0, tf.float32)
    moved = augment(images, tf.constant([0, 1]), strength=1.0).numpy()
    assert moved.shape == images.shape and 0 <= moved.min() and moved.max() <= 1.0 + 1e-6
    assert not np.allclose(moved, images.numpy())
    mass = images.numpy().sum(axis=(1, 2, 3))
    np.testing.assert_allclose(
        moved.sum(axis=(1, 2, 3)), mass, rtol=0.35
    )  # zoom changes the ink a little
    np.testing.assert_allclose(
        augment(images, tf.constant([0, 1]), strength=0.0).numpy(), images.numpy(), atol=1e-5
    )


def test_shifts_fill_the_border_with_black():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 0, 0] = image[0, 27, 27] = 1.0
    down_right = shift_images(image, 1, 1)
    assert down_right[0, 1, 1] == 1 and down_right.sum() == 1  # the far corner left the image
    assert shift_images(image, -1, 0)[0, 26, 27] == 1 and shift_images(image, 0, 0)[0, 0, 0] == 1
    calls = []
    mean = predict_with_tta(
        lambda batch: calls.append(batch) or np.full((len(batch), 10), 0.1), image
    )
    assert len(calls) == len(TTA_SHIFTS) and mean.shape == (1, 10)


def test_ensemble_needs_two_runs(tiny_run, tmp_path, capsys):
    assert ensemble.main([str(tiny_run), "--out", str(tmp_path / "e")]) == 2
    assert "at least 2 runs" in capsys.readouterr().err and not (tmp_path / "e").exists()
