"""Inside a model: the feature maps of its convolution layers, its first filters and its last hidden
layer.

Layers are found generically, so any architecture works: a "convolution layer" is each Conv2D
(or depthwise / separable) layer, shown after the batch normalization and activation that follow
it (the maps the next layer reads); the "last hidden layer" is the input of the `logits` layer,
with dropout skipped (dropout is the identity in inference). A model without convolution (the
MLP baseline) has no feature maps and no filters; `Network.has_convolution` says so.

A `Network` compiles, once per model, one `tf.function` with a fixed signature that returns every
shown activation of a batch in one forward pass (a few milliseconds for one image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config

SIZE = config.IMAGE_SIZE
BATCH = 256  # images per forward call when features are computed for many images
FOLLOWERS = (
    "BatchNormalization",
    "Activation",
    "ReLU",
    "LeakyReLU",
)  # elementwise layers shown with their conv
CONV_TYPES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")


@dataclass(frozen=True)
class LayerMaps:
    """The feature maps (h, w, c) of one convolution layer for one image, and the layer's name."""

    name: str
    maps: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        """(height, width, channels)."""
        return tuple(self.maps.shape)


@dataclass(frozen=True)
class Activations:
    """What one image sets off: each convolution layer's maps, the last hidden layer (d,) and the
    probabilities (10,)."""

    layers: list[LayerMaps]
    hidden: np.ndarray
    probabilities: np.ndarray


def _kind(layer) -> str:
    return type(layer).__name__


def conv_outputs(keras_model) -> list[str]:
    """For each convolution layer in order, the name of the layer whose output shows its maps (after
    BN/ReLU)."""
    layers = keras_model.layers
    names = []
    for position, layer in enumerate(layers):
        if _kind(layer) not in CONV_TYPES:
            continue
        shown = layer
        for follower in layers[position + 1 :]:
            if _kind(follower) not in FOLLOWERS:
                break
            shown = follower
        names.append(shown.name)
    return names


def hidden_layer(keras_model) -> str:
    """The name of the last hidden layer: the one feeding `logits`, dropout skipped; `ValueError`
    without `logits`."""
    names = [layer.name for layer in keras_model.layers]
    if "logits" not in names:
        raise ValueError(
            f"model {keras_model.name!r} has no layer named 'logits'; its layers are {names}"
        )
    position = names.index("logits") - 1
    while position > 0 and _kind(keras_model.layers[position]) == "Dropout":
        position -= 1
    if position <= 0:
        raise ValueError(f"model {keras_model.name!r} has no hidden layer before 'logits'")
    return names[position]


def channel_order(maps: np.ndarray) -> np.ndarray:
    """Channel indices of `maps` (h, w, c), the strongest (highest mean activation) first."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (height, width, channels), got {maps.shape}")
    return np.argsort(-maps.mean(axis=(0, 1)), kind="stable")


def strongest_units(hidden: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` most active units of a hidden vector (d,), strongest first."""
    hidden = np.asarray(hidden)
    if hidden.ndim != 1:
        raise ValueError(f"hidden must be a vector (d,), got shape {hidden.shape}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    return np.argsort(-hidden, kind="stable")[:count]


def as_batch(images: object) -> np.ndarray:
    """Float `images` (28, 28), (n, 28, 28) or (n, 28, 28, 1) in [0, 1] as a float32 batch (n, 28,
    28, 1)."""
    array = np.asarray(images, dtype=np.float32)
    shape = array.shape
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[1:] != (SIZE, SIZE, 1):
        raise ValueError(f"images must have shape (28, 28) or (n, 28, 28[, 1]), got {shape}")
    if not np.isfinite(array).all() or (array.size and (array.min() < 0 or array.max() > 1)):
        raise ValueError("images must hold finite float pixels in [0, 1]")
    return array


class Network:
    """One Keras model opened up: its shown layers, compiled to return all their activations in one
    pass."""

    def __init__(self, keras_model) -> None:
        import keras
        import tensorflow as tf

        self.model = keras_model
        self.conv_layers = conv_outputs(keras_model)
        self.hidden_layer = hidden_layer(keras_model)
        outputs = [
            keras_model.get_layer(name).output for name in (*self.conv_layers, self.hidden_layer)
        ]
        probe = keras.Model(keras_model.inputs[0], [*outputs, keras_model.outputs[0]])
        spec = tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)
        self._forward = tf.function(lambda x: probe(x, training=False), input_signature=[spec])
        hidden = keras.Model(keras_model.inputs[0], keras_model.get_layer(self.hidden_layer).output)
        self._hidden = tf.function(lambda x: hidden(x, training=False), input_signature=[spec])
        self.activations(
            np.zeros((SIZE, SIZE), np.float32)
        )  # trace both functions now, not on first use
        self.features(np.zeros((1, SIZE, SIZE), np.float32))

    @property
    def has_convolution(self) -> bool:
        """Whether the model has any convolution layer."""
        return bool(self.conv_layers)

    def activations(self, image: np.ndarray) -> Activations:
        """Every shown activation of one float image (28, 28) in [0, 1]."""
        batch = as_batch(image)
        if len(batch) != 1:
            raise ValueError(f"image must be one image, got a batch of {len(batch)}")
        *maps, hidden, probabilities = (output.numpy()[0] for output in self._forward(batch))
        layers = [
            LayerMaps(name, layer_maps)
            for name, layer_maps in zip(self.conv_layers, maps, strict=False)
        ]
        return Activations(layers, hidden.reshape(-1), probabilities)

    def features(self, images: np.ndarray) -> np.ndarray:
        """The last hidden layer (n, d) of float `images` (n, 28, 28[, 1]), in chunks of `BATCH`."""
        batch = as_batch(images)
        chunks = [
            self._hidden(batch[start : start + BATCH]).numpy()
            for start in range(0, len(batch), BATCH)
        ]
        return (
            np.concatenate(chunks).reshape(len(batch), -1)
            if chunks
            else np.zeros((0, 0), np.float32)
        )

    def first_filters(self) -> np.ndarray:
        """The first convolution's kernels as (filters, k, k), summed over input channels;
        `ValueError` without one."""
        convs = [layer for layer in self.model.layers if _kind(layer) in CONV_TYPES]
        if not convs:
            raise ValueError(f"model {self.model.name!r} has no convolution layer, so no filters")
        kernel = np.asarray(convs[0].get_weights()[0])  # (k, k, in, out) for Conv2D
        if kernel.ndim != 4:
            raise ValueError(
                f"the first convolution's kernel has shape {kernel.shape}, expected (k, k, in, out)"
            )
        return np.moveaxis(kernel.sum(axis=2), -1, 0)

    def unit_classes(self) -> np.ndarray:
        """For each hidden unit, the class its weight into `logits` favours most (d,).

        A `logits` layer without weights (the ensemble's average of its members' log-probabilities)
        gets
        one score per class from the layer before it: unit i is class i.
        """
        weights = self.model.get_layer("logits").get_weights()
        if weights:
            return np.asarray(weights[0]).argmax(axis=1)  # kernel (d, 10)
        width = int(self.model.get_layer(self.hidden_layer).output.shape[-1])
        if width != config.NUM_CLASSES:
            raise ValueError(
                f"layer {self.hidden_layer!r} feeds a `logits` layer without weights but has "
                f"{width} "
                f"units, not one per class"
            )
        return np.arange(width)
