"""Saliency maps: which pixels of one 28x28 image a model's answer for a class rests on.

An `Explainer` compiles, once per model, the TensorFlow functions every method is built from
(logits, input gradients, Grad-CAM maps) with fixed input signatures, so that a heatmap takes a
few milliseconds (vanilla, Grad-CAM) to about 150 ms (Integrated Gradients on deep_cnn, 2 CPU
cores; see bench/explain.py). The methods themselves are entries of `METHODS`
(model/insight/saliency/methods.py). Grad-CAM weights the feature maps by their gradient at each
position by default (HiResCAM, faithful for our models' single dense layer after Flatten); the
original channel-averaged weights are a setting. Maps come back raw; `normalize_heatmap` scales
them for display, and the UI colours them (nothing here imports Plotly or Dash).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from model import config
from model.insight.saliency.methods import METHODS, check_method

SIZE = config.IMAGE_SIZE
BATCH = 128  # images per gradient or forward call; more samples, steps or patches run in chunks


def _check_image(image: object) -> np.ndarray:
    """`image` (28, 28) or (28, 28, 1) of float pixels in [0, 1] as a float32 batch (1, 28, 28,
    1)."""
    array = np.asarray(image)
    if array.shape not in ((SIZE, SIZE), (SIZE, SIZE, 1)):
        raise ValueError(f"image must have shape (28, 28) or (28, 28, 1), got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"image must hold float pixels in [0, 1], got dtype {array.dtype}; scale uint8 images "
            "with model.data.pixels"
        )
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"image pixels must be finite and in [0, 1], got values from {array.min()} to "
            f"{array.max()}"
        )
    return array.astype(np.float32).reshape(1, SIZE, SIZE, 1)


def _check_target(target: object) -> int:
    """`target` as a class index, or a `ValueError`."""
    if (
        isinstance(target, bool)
        or not isinstance(target, (int, np.integer))
        or not 0 <= target < config.NUM_CLASSES
    ):
        raise ValueError(
            f"target must be a class from 0 to {config.NUM_CLASSES - 1} or None, got {target!r}"
        )
    return int(target)


def _no_conv_message(keras_model) -> str:
    return (
        f"Grad-CAM needs a convolutional layer and model {keras_model.name!r} has none; "
        "choose another method"
    )


def last_conv_layer(keras_model) -> str:
    """The name of the layer Grad-CAM reads: the last 4-D output from the last convolution on,
    before the head."""
    from keras import layers

    conv_types = (
        layers.Conv2D,
        layers.DepthwiseConv2D,
        layers.SeparableConv2D,
        layers.Conv2DTranspose,
    )
    convs = [
        index for index, layer in enumerate(keras_model.layers) if isinstance(layer, conv_types)
    ]
    if not convs:
        raise ValueError(_no_conv_message(keras_model))
    return [
        layer.name for layer in keras_model.layers[convs[-1] :] if len(layer.output.shape) == 4
    ][-1]


class Explainer:
    """The saliency methods for one Keras model, compiled once (build one per model; the app keeps
    one per run).

    `cam_layer` names the layer Grad-CAM reads, or is None when the model has no convolution;
    `methods` lists the methods this model supports, in `METHODS` order.
    """

    def __init__(self, keras_model) -> None:
        import keras
        import tensorflow as tf

        try:
            logits = keras_model.get_layer("logits").output
        except ValueError as error:
            raise ValueError(
                f"model {keras_model.name!r} has no layer named 'logits' to explain"
            ) from error
        self.model = keras_model
        try:
            self.cam_layer: str | None = last_conv_layer(keras_model)
        except ValueError:
            self.cam_layer = None
        self.methods = tuple(
            name for name, method in METHODS.items() if self.cam_layer or not method.needs_conv
        )
        batch = tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)
        one = tf.TensorSpec([1, SIZE, SIZE, 1], tf.float32)
        target = tf.TensorSpec([], tf.int32)
        flag = tf.TensorSpec([], tf.bool)
        logit_model = keras.Model(keras_model.inputs[0], logits)
        self._logits = tf.function(
            lambda x: logit_model(x, training=False), input_signature=[batch]
        )
        self._gradients = tf.function(
            functools.partial(_target_gradients, logit_model), input_signature=[batch, target]
        )
        if self.cam_layer:
            cam_model = keras.Model(
                keras_model.inputs[0], [keras_model.get_layer(self.cam_layer).output, logits]
            )
            self._gradcam_map = tf.function(
                functools.partial(_gradcam, cam_model), input_signature=[one, target, flag]
            )
        for method in self.methods:
            self.explain(np.zeros((SIZE, SIZE), np.float32), method, target=0)

    def explain(
        self, image: np.ndarray, method: str, target: int | None = None, **settings
    ) -> np.ndarray:
        """The raw (28, 28) float32 map of `method` for class `target` (None: the predicted class).

        Signed where `METHODS[method].signed` (Integrated Gradients, occlusion), else non-negative.
        `settings` override `METHODS[method].defaults`; anything invalid raises `ValueError`.
        """
        pixels = _check_image(image)
        spec = check_method(method)
        if method not in self.methods:
            raise ValueError(_no_conv_message(self.model))
        options = spec.check_settings(method, settings)
        target = int(np.argmax(self.logits(pixels)[0])) if target is None else _check_target(target)
        return np.asarray(spec.compute(self, pixels, target, **options), dtype=np.float32)

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The (n, 10) pre-softmax scores of float `images` (n, 28, 28, 1), in chunks of `BATCH`."""
        if np.ndim(images) != 4 or np.shape(images)[1:] != (SIZE, SIZE, 1):
            raise ValueError(f"images must have shape (n, 28, 28, 1), got {np.shape(images)}")
        return self._in_chunks(self._logits, images)

    def gradients(self, images: np.ndarray, target: int) -> np.ndarray:
        """d logit[target] / d pixels of each image of the float batch (n, 28, 28, 1), in chunks."""
        return self._in_chunks(self._gradients, images, target)

    def gradcam_map(self, pixels: np.ndarray, target: int, *, averaged: bool) -> np.ndarray:
        """The (28, 28) Grad-CAM map of the batch of one image (1, 28, 28, 1) for class `target`."""
        if not self.cam_layer:
            raise ValueError(_no_conv_message(self.model))
        return self._gradcam_map(pixels, target, averaged).numpy()

    def _in_chunks(self, function: Callable, images: np.ndarray, *args) -> np.ndarray:
        images = np.asarray(images, np.float32)
        chunks = np.array_split(images, -(-len(images) // BATCH))
        return np.concatenate([function(chunk, *args).numpy() for chunk in chunks])


def _target_gradients(logit_model, images, target):
    """d logit[target] / d pixels for each image of the batch (the model runs in inference mode)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(images)
        scores = logit_model(images, training=False)[:, target]
    return tape.gradient(scores, images)


def _gradcam(cam_model, image, target, averaged):
    """ReLU of the feature maps weighted by their gradient, summed over channels, bilinearly
    upsampled to 28x28.

    The weights are the gradient at each position (HiResCAM) or, when `averaged`, its mean over
    positions (the original Grad-CAM).
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        maps, logits = cam_model(image, training=False)
        score = logits[0, target]
    gradients = tape.gradient(score, maps)
    mean = tf.broadcast_to(
        tf.reduce_mean(gradients, axis=(1, 2), keepdims=True), tf.shape(gradients)
    )
    cam = tf.nn.relu(
        tf.reduce_sum(maps * tf.where(averaged, mean, gradients), axis=-1, keepdims=True)
    )
    return tf.image.resize(cam, (SIZE, SIZE), method="bilinear")[0, ..., 0]
