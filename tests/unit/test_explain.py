"""Saliency methods on the session's tiny real runs (a convnet and a baseline MLP, see
conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.mnist import pixels
from model.core.predictor import load_predictor
from model.insight.saliency import METHODS, Explainer, last_conv_layer, normalize_heatmap
from model.training.architectures import build_model

SIGNED = [name for name, method in METHODS.items() if method.signed]
UNSIGNED = [name for name, method in METHODS.items() if not method.signed]


@pytest.fixture(scope="session")
def explainer(tiny_run) -> Explainer:
    return Explainer(load_predictor(tiny_run).model)


@pytest.fixture(scope="session")
def digits(explainer, mnist) -> tuple[np.ndarray, np.ndarray]:
    """The first 12 test images the model classifies right, (12, 28, 28) float32, and their
    labels."""
    images, labels = pixels(mnist.x_test[:200]), mnist.y_test[:200].astype(int)
    right = np.flatnonzero(explainer.logits(images[..., None]).argmax(axis=1) == labels)[:12]
    return images[right], labels[right]


def _logit(explainer: Explainer, images: np.ndarray, target: int) -> np.ndarray:
    return explainer.logits(np.asarray(images, np.float32).reshape(-1, 28, 28, 1))[:, target]


def test_methods_describe_themselves_for_the_ui(explainer):
    assert list(METHODS) == [
        "vanilla",
        "smoothgrad",
        "integrated_gradients",
        "gradcam",
        "occlusion",
    ]
    assert SIGNED == ["integrated_gradients", "occlusion"]
    assert METHODS["smoothgrad"].defaults == {"noise": 0.15, "samples": 50, "seed": 0}
    assert METHODS["integrated_gradients"].defaults == {"steps": 128}
    assert METHODS["gradcam"].defaults == {"weights": "elementwise"}
    assert METHODS["occlusion"].defaults == {"window": 4, "stride": 2, "score": "logit"}
    assert all(method.label and method.description for method in METHODS.values())
    assert explainer.methods == tuple(METHODS)


@pytest.mark.parametrize(
    ("architecture", "expected"), [("deep_cnn", "conv3_relu"), ("convnet", "after conv2")]
)
def test_gradcam_reads_the_last_4d_output_of_the_last_conv_block(architecture, expected):
    model = build_model(architecture, augment=False)
    names = [layer.name for layer in model.layers]
    if expected == "after conv2":  # the pooling that follows conv2; Keras numbers its name
        expected = names[names.index("conv2") + 1]
        assert expected.startswith("max_pooling2d")
    assert last_conv_layer(model) == expected


def test_gradcam_on_a_model_without_convolution_raises_a_clear_error(runs_dir):
    explainer = Explainer(load_predictor(runs_dir / "baseline").model)
    with pytest.raises(ValueError, match="convolutional layer"):
        last_conv_layer(explainer.model)
    assert explainer.cam_layer is None
    assert "gradcam" not in explainer.methods
    with pytest.raises(
        ValueError, match="Grad-CAM needs a convolutional layer and model 'baseline' has none"
    ):
        explainer.explain(np.zeros((28, 28), np.float32), "gradcam")
    assert explainer.explain(np.zeros((28, 28), np.float32), "vanilla", target=3).shape == (28, 28)


@pytest.mark.parametrize("method", list(METHODS))
def test_maps_have_the_image_shape_and_the_method_sign(explainer, digits, method):
    image, label = digits[0][0], digits[1][0]
    heat = explainer.explain(image[..., None], method, target=label)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert np.isfinite(heat).all() and heat.max() > 0
    if method in UNSIGNED:
        assert heat.min() >= 0
    else:
        assert heat.min() < 0 < heat.max()
    if method == "integrated_gradients":  # (input - black baseline) is zero on the background
        assert np.all(heat[image == 0] == 0)
    if (
        method == "occlusion"
    ):  # the corner patch is all background: setting it to black changes nothing
        assert heat[0, 0] == 0


def test_integrated_gradients_are_complete(explainer, digits):
    """The attributions add up to the logit's rise from the black baseline, closer with more
    steps."""
    black = np.zeros((28, 28), np.float32)
    for image, label in zip(*digits, strict=False):
        for target in (label, (label + 1) % 10):
            rise = np.subtract(*_logit(explainer, [image, black], target))
            for steps, share, floor in (
                (128, 0.03, 0.03),
                (512, 0.01, 0.01),
            ):  # floor: for rises near zero
                total = explainer.explain(
                    image, "integrated_gradients", target=target, steps=steps
                ).sum()
                assert abs(total - rise) <= share * abs(rise) + floor, (
                    label,
                    target,
                    steps,
                    total,
                    rise,
                )


@pytest.mark.parametrize("method", list(METHODS))
def test_hiding_the_top_pixels_lowers_the_score_more_than_hiding_random_ones(
    explainer, digits, method
):
    rng = np.random.default_rng(0)
    hidden = 78  # 10% of the pixels
    top_drops, random_drops = [], []
    for image, label in zip(*digits, strict=False):
        heat = explainer.explain(image, method, target=label).ravel()
        flat = image.ravel()
        top = np.where(np.isin(np.arange(784), np.argsort(-heat, kind="stable")[:hidden]), 0, flat)
        random = np.where(np.isin(np.arange(784), rng.choice(784, hidden, replace=False)), 0, flat)
        original, top_score, random_score = _logit(explainer, [flat, top, random], label)
        top_drops.append(original - top_score)
        random_drops.append(original - random_score)
    assert np.mean(top_drops) > 2 * np.mean(random_drops) > 0, (
        np.mean(top_drops),
        np.mean(random_drops),
    )


@pytest.mark.parametrize("method", list(METHODS))
def test_the_same_settings_give_the_same_map_twice(explainer, digits, method):
    image = digits[0][1]
    np.testing.assert_array_equal(
        explainer.explain(image, method), explainer.explain(image, method)
    )


def test_smoothgrad_depends_on_its_seed_and_noise(explainer, digits):
    image = digits[0][2]
    first = explainer.explain(image, "smoothgrad", seed=1, samples=8)
    np.testing.assert_array_equal(first, explainer.explain(image, "smoothgrad", seed=1, samples=8))
    assert not np.allclose(first, explainer.explain(image, "smoothgrad", seed=2, samples=8))
    noiseless = explainer.explain(image, "smoothgrad", noise=0.0, samples=3)
    np.testing.assert_allclose(noiseless, explainer.explain(image, "vanilla"), rtol=1e-4, atol=1e-6)


def test_vanilla_gradient_is_the_logit_gradient(explainer, digits):
    image, label = digits[0][3], digits[1][3]
    heat = explainer.explain(image, "vanilla", target=label)
    step = 1e-2
    for row, col in zip(*np.unravel_index(np.argsort(-heat.ravel())[:5], heat.shape), strict=False):
        up, down = image.copy(), image.copy()
        up[row, col] += step
        down[row, col] -= step
        slope = np.subtract(*_logit(explainer, [up, down], label)) / (2 * step)
        assert abs(slope) == pytest.approx(heat[row, col], rel=0.15)


def test_the_target_defaults_to_the_predicted_class_and_changes_the_map(explainer, digits):
    image, label = digits[0][4], digits[1][4]
    for method in ("vanilla", "gradcam"):
        predicted = explainer.explain(image, method)
        np.testing.assert_array_equal(
            predicted, explainer.explain(image, method, target=np.int64(label))
        )
        assert not np.allclose(predicted, explainer.explain(image, method, target=(label + 5) % 10))


def test_gradcam_offers_the_original_channel_averaged_weights(explainer, digits):
    image, label = digits[0][6], digits[1][6]
    hirescam = explainer.explain(image, "gradcam", target=label)
    original = explainer.explain(image, "gradcam", target=label, weights="averaged")
    assert original.min() >= 0 and original.shape == (28, 28)
    assert not np.allclose(hirescam, original)


def test_occlusion_can_measure_the_probability_drop(explainer, digits):
    image, label = digits[0][5], digits[1][5]
    probability = explainer.explain(
        image, "occlusion", target=label, score="probability", window=6, stride=3
    )
    assert probability.min() >= -1 and probability.max() <= 1
    assert not np.allclose(
        probability, explainer.explain(image, "occlusion", target=label, window=6, stride=3)
    )


def test_normalize_heatmap_scales_to_the_unit_range():
    values = np.linspace(-2.0, 4.0, 784, dtype=np.float32).reshape(28, 28)
    unsigned = normalize_heatmap(values, signed=False, percentile=100)
    assert unsigned.dtype == np.float32 and unsigned.min() >= 0 and unsigned.max() == 1
    assert unsigned[0, 0] == pytest.approx(0.5)  # |-2| / 4
    signed = normalize_heatmap(values, signed=True)
    assert (
        signed.min() == pytest.approx(-2 / np.percentile(np.abs(values), 99)) and signed.max() == 1
    )
    assert np.array_equal(np.sign(signed), np.sign(values))
    assert not normalize_heatmap(np.zeros((28, 28)), signed=True).any()
    sparse = np.zeros((28, 28))
    sparse[3, 4] = -0.5
    assert normalize_heatmap(sparse, signed=True)[3, 4] == -1


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (np.zeros(28), {}, "2-D"),
        (np.full((28, 28), np.nan), {}, "finite"),
        (np.zeros((28, 28)), {"percentile": 0}, "percentile"),
    ],
)
def test_normalize_heatmap_rejects_bad_input(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalize_heatmap(values, signed=False, **kwargs)


GOOD = np.zeros((28, 28), np.float32)


@pytest.mark.parametrize(
    ("image", "method", "target", "settings", "message"),
    [
        (
            np.zeros((28, 27), np.float32),
            "vanilla",
            None,
            {},
            r"shape \(28, 28\) or \(28, 28, 1\), got \(28, 27\)",
        ),
        (np.zeros((1, 28, 28, 1), np.float32), "vanilla", None, {}, "shape"),
        (np.zeros((28, 28, 3), np.float32), "vanilla", None, {}, "shape"),
        (np.zeros((28, 28), np.uint8), "vanilla", None, {}, "dtype uint8"),
        (np.full((28, 28), 255.0), "vanilla", None, {}, r"in \[0, 1\], got values from 255.0"),
        (np.full((28, 28), np.nan), "vanilla", None, {}, "finite"),
        (GOOD, "lime", None, {}, "method must be one of"),
        (GOOD, "vanilla", 10, {}, "target must be a class from 0 to 9 or None, got 10"),
        (GOOD, "vanilla", -1, {}, "target"),
        (GOOD, "vanilla", 2.0, {}, "target"),
        (GOOD, "vanilla", True, {}, "target"),
        (
            GOOD,
            "vanilla",
            None,
            {"steps": 8},
            "vanilla has no setting 'steps'; its settings are: none",
        ),
        (
            GOOD,
            "smoothgrad",
            None,
            {"samples": 0},
            "smoothgrad setting 'samples' must be from 1 to 512, got 0",
        ),
        (GOOD, "smoothgrad", None, {"samples": 2.5}, "must be an integer"),
        (GOOD, "smoothgrad", None, {"noise": -0.1}, "'noise' must be from 0.0 to 1.0"),
        (GOOD, "smoothgrad", None, {"noise": float("nan")}, "'noise'"),
        (GOOD, "smoothgrad", None, {"seed": True}, "'seed'"),
        (GOOD, "integrated_gradients", None, {"steps": 1}, "'steps' must be from 2 to 1024"),
        (GOOD, "occlusion", None, {"window": 29}, "'window' must be from 1 to 28"),
        (
            GOOD,
            "occlusion",
            None,
            {"window": 3, "stride": 4},
            "'stride' must be at most the window",
        ),
        (
            GOOD,
            "gradcam",
            None,
            {"weights": "max"},
            r"'weights' must be one of \['elementwise', 'averaged'\]",
        ),
        (
            GOOD,
            "occlusion",
            None,
            {"score": "loss"},
            r"'score' must be one of \['logit', 'probability'\]",
        ),
    ],
)
def test_bad_input_raises_a_clear_value_error(explainer, image, method, target, settings, message):
    with pytest.raises(ValueError, match=message):
        explainer.explain(image, method, target, **settings)


def test_logits_reject_a_batch_of_the_wrong_shape(explainer):
    with pytest.raises(
        ValueError, match=r"images must have shape \(n, 28, 28, 1\), got \(28, 28\)"
    ):
        explainer.logits(GOOD)
