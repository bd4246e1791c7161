"""Saliency maps: which pixels of one 28x28 image a model's answer for a class rests on.

Every method explains the target class's logit, the pre-softmax score of the model's `logits`
layer (occlusion can use the probability instead): vanilla gradients, SmoothGrad, Integrated
Gradients (black baseline), Grad-CAM and occlusion sensitivity. Grad-CAM weights the feature
maps by their gradient at each position by default (HiResCAM, faithful for our models' single
dense layer after Flatten); the original channel-averaged weights are a setting (on the convnet
they often light up empty background rather than strokes). An `Explainer` compiles its
TensorFlow functions once per model, with fixed input signatures, so that a heatmap takes a few
milliseconds (vanilla, Grad-CAM) to about 150 ms (Integrated Gradients on deep_cnn, 2 CPU cores;
see bench/explain.py); `load_explainer` keeps one per run. Maps come back raw; `normalize_heatmap`
scales them for display, and the UI colours them (nothing here imports Plotly or Dash).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model import config
from model.explain_settings import METHODS, Method, check_method, check_settings
from model.inference import Predictor, load_predictor

__all__ = ["METHODS", "Method", "Explainer", "last_conv_layer", "load_explainer", "normalize_heatmap"]

SIZE = config.IMAGE_SIZE
BACKGROUND = 0.0  # MNIST's background pixel value: the Integrated Gradients baseline and the occlusion fill


def _check_image(image: object) -> np.ndarray:
    """`image` (28, 28) or (28, 28, 1) of float pixels in [0, 1] as a float32 batch (1, 28, 28, 1)."""
    array = np.asarray(image)
    if array.shape not in ((SIZE, SIZE), (SIZE, SIZE, 1)):
        raise ValueError(f"image must have shape (28, 28) or (28, 28, 1), got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"image must hold float pixels in [0, 1], got dtype {array.dtype}; scale uint8 images with model.data.pixels"
        )
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError(f"image pixels must be finite and in [0, 1], got values from {array.min()} to {array.max()}")
    return array.astype(np.float32).reshape(1, SIZE, SIZE, 1)


def _check_target(target: object) -> int:
    """`target` as a class index, or a `ValueError`."""
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < config.NUM_CLASSES:
        raise ValueError(f"target must be a class from 0 to {config.NUM_CLASSES - 1} or None, got {target!r}")
    return int(target)


def _no_conv_message(keras_model) -> str:
    return f"Grad-CAM needs a convolutional layer and model {keras_model.name!r} has none; choose another method"


def last_conv_layer(keras_model) -> str:
    """The name of the layer Grad-CAM reads: the last 4-D output from the last convolution on, before the head."""
    from keras import layers

    conv_types = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D, layers.Conv2DTranspose)
    convs = [index for index, layer in enumerate(keras_model.layers) if isinstance(layer, conv_types)]
    if not convs:
        raise ValueError(_no_conv_message(keras_model))
    return [layer.name for layer in keras_model.layers[convs[-1]:] if len(layer.output.shape) == 4][-1]


def _occlusion_masks(window: int, stride: int) -> np.ndarray:
    """Bool (patches, 28, 28): one square patch per position, the last row and column flush with the edge."""
    starts = list(range(0, SIZE - window + 1, stride))
    if starts[-1] != SIZE - window:
        starts.append(SIZE - window)
    masks = np.zeros((len(starts) ** 2, SIZE, SIZE), bool)
    for index, (top, left) in enumerate((top, left) for top in starts for left in starts):
        masks[index, top : top + window, left : left + window] = True
    return masks


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class Explainer:
    """The five saliency methods for one Keras model, compiled once (build it once per model, or use `load_explainer`).

    `cam_layer` names the layer Grad-CAM reads, or is None when the model has no convolution;
    `methods` lists the methods this model supports, in `METHODS` order.
    """

    def __init__(self, keras_model) -> None:
        import keras
        import tensorflow as tf

        try:
            logits = keras_model.get_layer("logits").output
        except ValueError:
            raise ValueError(f"model {keras_model.name!r} has no layer named 'logits' to explain") from None
        self.model = keras_model
        try:
            self.cam_layer: str | None = last_conv_layer(keras_model)
        except ValueError:
            self.cam_layer = None
        self.methods = tuple(name for name in METHODS if name != "gradcam" or self.cam_layer)
        batch = tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)
        one = tf.TensorSpec([1, SIZE, SIZE, 1], tf.float32)
        target = tf.TensorSpec([], tf.int32)
        flag = tf.TensorSpec([], tf.bool)
        logit_model = keras.Model(keras_model.inputs[0], logits)
        self._logits = tf.function(lambda x: logit_model(x, training=False), input_signature=[batch])
        self._gradients = tf.function(functools.partial(_target_gradients, logit_model), input_signature=[batch, target])
        if self.cam_layer:
            cam_model = keras.Model(keras_model.inputs[0], [keras_model.get_layer(self.cam_layer).output, logits])
            self._gradcam_map = tf.function(functools.partial(_gradcam, cam_model), input_signature=[one, target, flag])
        self._compute: dict[str, Callable[..., np.ndarray]] = {
            "vanilla": self._vanilla,
            "smoothgrad": self._smoothgrad,
            "integrated_gradients": self._integrated_gradients,
            "gradcam": self._gradcam,
            "occlusion": self._occlusion,
        }
        for method in self.methods:
            self.explain(np.zeros((SIZE, SIZE), np.float32), method, target=0)

    def explain(self, image: np.ndarray, method: str, target: int | None = None, **settings) -> np.ndarray:
        """The raw (28, 28) float32 map of `method` for class `target` (None: the predicted class).

        Signed where `METHODS[method].signed` (Integrated Gradients, occlusion), else non-negative.
        `settings` override `METHODS[method].defaults`; anything invalid raises `ValueError`.
        """
        pixels = _check_image(image)
        check_method(method)
        if method not in self.methods:
            raise ValueError(_no_conv_message(self.model))
        options = check_settings(method, settings)
        target = int(np.argmax(self.logits(pixels)[0])) if target is None else _check_target(target)
        return self._compute[method](pixels, target, **options).astype(np.float32)

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The (n, 10) pre-softmax scores of float `images` (n, 28, 28, 1), in chunks of `config.EXPLAIN_BATCH`."""
        if np.ndim(images) != 4 or np.shape(images)[1:] != (SIZE, SIZE, 1):
            raise ValueError(f"images must have shape (n, 28, 28, 1), got {np.shape(images)}")
        return self._in_chunks(self._logits, images)

    def _in_chunks(self, function: Callable, images: np.ndarray, *args) -> np.ndarray:
        images = np.asarray(images, np.float32)
        chunks = np.array_split(images, -(-len(images) // config.EXPLAIN_BATCH))
        return np.concatenate([function(chunk, *args).numpy() for chunk in chunks])

    def _vanilla(self, pixels: np.ndarray, target: int) -> np.ndarray:
        return np.abs(self._gradients(pixels, target).numpy()[0, ..., 0])

    def _smoothgrad(self, pixels: np.ndarray, target: int, noise: float, samples: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        noisy = pixels + rng.normal(0.0, noise, (samples, SIZE, SIZE, 1)).astype(np.float32)
        return np.abs(self._in_chunks(self._gradients, noisy, target).mean(axis=0)[..., 0])

    def _integrated_gradients(self, pixels: np.ndarray, target: int, steps: int) -> np.ndarray:
        alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None, None, None]
        path = BACKGROUND + alphas * (pixels - BACKGROUND)
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[[0, -1]] /= 2  # trapezoid rule over steps - 1 intervals
        average = np.tensordot(weights, self._in_chunks(self._gradients, path, target), axes=1)
        return ((pixels[0] - BACKGROUND) * average)[..., 0]

    def _gradcam(self, pixels: np.ndarray, target: int, weights: str) -> np.ndarray:
        return self._gradcam_map(pixels, target, weights == "averaged").numpy()

    def _occlusion(self, pixels: np.ndarray, target: int, window: int, stride: int, score: str) -> np.ndarray:
        masks = _occlusion_masks(window, stride)
        occluded = np.where(masks[..., None], np.float32(BACKGROUND), pixels)
        scores = self.logits(np.concatenate([pixels, occluded]))
        if score == "probability":
            scores = _softmax(scores)
        drops = scores[0, target] - scores[1:, target]
        return np.tensordot(drops, masks, axes=1) / masks.sum(axis=0)


def _target_gradients(logit_model, images, target):
    """d logit[target] / d pixels for each image of the batch (the model runs in inference mode)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(images)
        scores = logit_model(images, training=False)[:, target]
    return tape.gradient(scores, images)


def _gradcam(cam_model, image, target, averaged):
    """ReLU of the feature maps weighted by their gradient, summed over channels, bilinearly upsampled to 28x28.

    The weights are the gradient at each position (HiResCAM) or, when `averaged`, its mean over
    positions (the original Grad-CAM).
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        maps, logits = cam_model(image, training=False)
        score = logits[0, target]
    gradients = tape.gradient(score, maps)
    mean = tf.broadcast_to(tf.reduce_mean(gradients, axis=(1, 2), keepdims=True), tf.shape(gradients))
    cam = tf.nn.relu(tf.reduce_sum(maps * tf.where(averaged, mean, gradients), axis=-1, keepdims=True))
    return tf.image.resize(cam, (SIZE, SIZE), method="bilinear")[0, ..., 0]


def normalize_heatmap(values: np.ndarray, *, signed: bool, percentile: float = 99.0) -> np.ndarray:
    """`values` scaled for display: to [-1, 1] keeping the sign, or their magnitude to [0, 1].

    The scale is the `percentile` of the magnitudes (the few larger values saturate), falling back
    to the maximum when that is 0; an all-zero map stays zero.
    """
    array = np.asarray(values, dtype=np.float32)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"values must be a non-empty 2-D map, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("values must be finite, got NaN or infinity")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    magnitude = np.abs(array)
    scale = np.percentile(magnitude, percentile) or magnitude.max()
    if scale == 0:
        return np.zeros_like(array)
    return np.clip((array if signed else magnitude) / scale, -1.0, 1.0).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _cached_explainer(predictor: Predictor) -> Explainer:
    return Explainer(predictor.model)


def load_explainer(run_dir: Path | str = config.DEFAULT_RUN) -> Explainer:
    """A warmed-up `Explainer` for the run's model, cached per run and sharing the model with `load_predictor`."""
    return _cached_explainer(load_predictor(run_dir))
