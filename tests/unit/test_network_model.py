"""Inside the network, what-if transforms and adversarial examples, on the session's tiny real
runs."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.mnist import pixels
from model.core.predictor import load_keras_model
from model.insight import derived as insight
from model.insight import whatif
from model.insight.activations import (
    Network,
    channel_order,
    conv_outputs,
    hidden_layer,
    strongest_units,
)
from model.insight.adversarial import MAX_EPSILON, Attacker
from model.training.architectures import build_model


@pytest.fixture(scope="session")
def convnet(tiny_run):
    return load_keras_model(tiny_run)


@pytest.fixture(scope="session")
def attacker(convnet) -> Attacker:
    return Attacker(convnet)


@pytest.fixture(scope="session")
def right(convnet, mnist) -> tuple[np.ndarray, np.ndarray]:
    """The first 8 test images the tiny convnet reads right, and their labels."""
    images, labels = pixels(mnist.x_test[:100]), mnist.y_test[:100].astype(int)
    answers = convnet.predict(images[..., None], verbose=0).argmax(axis=1)
    chosen = np.flatnonzero(answers == labels)[:8]
    return images[chosen], labels[chosen]


# Layers, found generically


def test_feature_maps_have_each_conv_layers_shape(convnet, mnist):
    network = Network(convnet)
    seen = network.activations(pixels(mnist.x_test[0]))
    assert [(layer.name, layer.shape) for layer in seen.layers] == [
        ("conv1", (26, 26, 32)),
        ("conv2", (11, 11, 64)),
    ]
    assert seen.hidden.shape == (1600,) and network.hidden_layer.startswith("flatten")
    assert seen.probabilities.shape == (10,) and seen.probabilities.sum() == pytest.approx(
        1, abs=1e-5
    )
    assert network.first_filters().shape == (32, 3, 3)
    assert network.features(pixels(mnist.x_test[:5])).shape == (5, 1600)


def test_the_deep_cnn_shows_each_conv_after_its_batch_norm_and_relu():
    model = build_model("deep_cnn", augment=False)
    assert conv_outputs(model) == [
        f"{name}_relu"
        for name in ("conv1a", "conv1b", "conv1c", "conv2a", "conv2b", "conv2c", "conv3")
    ]
    seen = Network(model).activations(np.zeros((28, 28), np.float32))
    assert [layer.shape for layer in seen.layers] == [(28, 28, 32)] * 2 + [(14, 14, 32)] + [
        (14, 14, 64)
    ] * 2 + [(7, 7, 64), (7, 7, 128)]
    assert all(layer.maps.min() >= 0 for layer in seen.layers)  # after the ReLU


def test_an_mlp_has_no_feature_maps_but_a_hidden_layer(runs_dir, mnist):
    network = Network(load_keras_model(runs_dir / "baseline"))
    assert not network.has_convolution and network.conv_layers == []
    assert network.activations(pixels(mnist.x_test[0])).hidden.shape == (128,)
    assert network.hidden_layer.startswith("dense")  # the dropout before `logits` is skipped
    with pytest.raises(ValueError, match="no convolution layer"):
        network.first_filters()


def test_a_model_without_logits_is_refused():
    import keras

    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="no layer named 'logits'"):
        hidden_layer(model)


def test_channels_and_units_are_ordered_by_strength():
    maps = np.zeros((2, 2, 3), np.float32)
    maps[..., 1], maps[..., 2] = 5, 1
    assert channel_order(maps).tolist() == [1, 2, 0]
    assert strongest_units(np.array([0.1, 3.0, 2.0, 0.0]), 2).tolist() == [1, 2]
    with pytest.raises(ValueError, match="maps must have shape"):
        channel_order(np.zeros((2, 2)))


def test_network_rejects_images_outside_the_unit_range(convnet):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Network(convnet).activations(np.full((28, 28), 2.0, np.float32))


# What-if transforms


def test_a_transform_of_nothing_returns_the_input(mnist):
    image = pixels(mnist.x_test[0])
    assert np.array_equal(whatif.transform(image), image)
    assert np.array_equal(
        whatif.transform(image, rotation=0, scale=1, shift_x=0, shift_y=0, thickness=0), image
    )


def test_transforms_move_thicken_and_thin_the_ink(mnist):
    image = pixels(mnist.x_test[0])
    shifted = whatif.transform(image, shift_x=3)
    assert np.allclose(shifted[:, 3:], image[:, :-3], atol=1e-5)
    assert (
        whatif.transform(image, thickness=1).sum()
        > image.sum()
        > whatif.transform(image, thickness=-1).sum()
    )
    assert whatif.transform(image, scale=0.5).sum() < 0.5 * image.sum()
    assert np.allclose(
        whatif._affine(image, 90, 1, 0, 0), np.rot90(image), atol=1e-4
    )  # counter-clockwise
    assert abs(whatif.transform(image, rotation=45).sum() - image.sum()) < 0.05 * image.sum()


def test_a_sweep_holds_every_settings_range_in_one_batch(mnist):
    swept = whatif.sweep(pixels(mnist.x_test[0]), {"rotation": 10})
    assert swept.images.shape == (len(whatif.SETTINGS) * whatif.SWEEP_POINTS, 28, 28)
    assert swept.values["scale"][0] == 0.5 and swept.values["scale"][-1] == 1.5
    blocks = swept.split(np.arange(len(swept.images)))
    assert blocks["scale"][0] == whatif.SWEEP_POINTS
    middle = whatif.SWEEP_POINTS // 2  # scale 1.0, rotation held at 10
    assert np.allclose(
        swept.images[blocks["scale"][middle]],
        whatif.transform(pixels(mnist.x_test[0]), rotation=10),
    )


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"rotation": 90}, "rotation must be between -45 and 45"),
        ({"spin": 1}, "settings must be among"),
        ({"scale": "big"}, "scale must be a number"),
    ],
)
def test_bad_what_if_settings_are_refused(settings, message, mnist):
    with pytest.raises(ValueError, match=message):
        whatif.sweep(pixels(mnist.x_test[0]), settings)


# Adversarial examples


def test_an_fgsm_step_raises_the_loss(attacker, right):
    images, labels = right
    adversarial, _ = attacker.attack(images, labels, [0.05], method="fgsm")
    assert (attacker.loss(adversarial, labels) > attacker.loss(images, labels)).all()
    assert (
        np.abs(adversarial - images).max() <= 0.05 + 1e-6
        and adversarial.min() >= 0
        and adversarial.max() <= 1
    )


def test_pgd_is_at_least_as_strong_as_fgsm(attacker, right):
    images, labels = right
    fgsm, _ = attacker.attack(images, labels, [0.1], method="fgsm")
    pgd, _ = attacker.attack(images, labels, [0.1], method="pgd")
    assert attacker.loss(pgd, labels).mean() >= attacker.loss(fgsm, labels).mean()


@pytest.mark.parametrize("method", ["fgsm", "pgd"])
def test_the_found_epsilon_flips_the_answer_and_a_smaller_one_does_not(attacker, right, method):
    image, label = right[0][0], int(right[1][0])
    found = attacker.smallest_epsilon(image, label, method=method)
    assert found.epsilon is not None and 0 < found.held_at < found.epsilon <= MAX_EPSILON
    assert found.epsilon - found.held_at < 0.008  # two rounds of eight: about 0.5 / (8 * 9) apart
    _, flipped = attacker.attack(image[None], label, [found.epsilon], method=method)
    _, held = attacker.attack(image[None], label, [found.held_at], method=method)
    assert flipped[0].argmax() != label and held[0].argmax() == label
    assert np.abs(found.perturbation(image)).max() <= found.epsilon + 1e-6


def test_a_targeted_attack_reaches_its_target(attacker, right):
    image, label = right[0][0], int(right[1][0])
    target = (label + 1) % 10
    found = attacker.smallest_epsilon(image, label, method="pgd", target=target)
    assert found.epsilon is not None and found.probabilities.argmax() == target
    with pytest.raises(ValueError, match="target must differ"):
        attacker.smallest_epsilon(image, label, method="pgd", target=label)


def test_the_robustness_curve_falls_with_epsilon(attacker, mnist):
    curve = insight.compute_robustness(attacker, 200)
    assert curve["epsilons"][0] == 0 and curve["size"] == 200
    for method in ("fgsm", "pgd"):
        assert curve[method][0] > 0.5 and curve[method][-1] < curve[method][0]
    assert curve["pgd"][-1] <= curve["fgsm"][-1]


def test_derived_files_are_found_in_the_run_directory_first(tmp_path, tiny_run, attacker):
    digest = insight.model_digest(tiny_run)
    name = insight.robustness_file(digest, 50)
    cache = tmp_path / "cache"
    computed = insight.load_robustness(tiny_run, cache, attacker, size=50, digest=digest)
    assert (cache / name).is_file()
    assert insight.find(name, tiny_run, cache, insight.read_robustness) == computed
    (cache / name).write_text("{damaged")
    assert insight.find(name, tiny_run, cache, insight.read_robustness) is None


def test_an_ensemble_shows_its_units_one_per_class(runs_dir, mnist):
    from model.training.ensemble import build_ensemble

    members = [load_keras_model(runs_dir / "convnet"), load_keras_model(runs_dir / "convnet")]
    network = Network(build_ensemble(members))
    seen = network.activations(pixels(mnist.x_test[0]))
    assert network.has_convolution and seen.hidden.shape == (10,)
    np.testing.assert_array_equal(
        network.unit_classes(), np.arange(10)
    )  # the averaged logits have no weights
