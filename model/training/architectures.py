"""Named Keras architectures for 28x28 digits.

Every model takes float32 pixels in [0, 1] of shape (batch, 28, 28, 1), normalizes them itself
with the training mean and std, and ends with a float32 `logits` layer followed by a softmax
named `probabilities`, so that explanations can read either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers

from model import config

INPUT_SHAPE = (config.IMAGE_SIZE, config.IMAGE_SIZE, 1)


def _augmentation(seed: int) -> keras.Sequential:
    """Random rotation (up to 10 degrees), shift (10%) and zoom (10%), active only in training."""
    return keras.Sequential(
        [
            layers.RandomRotation(10 / 360, fill_mode="constant", seed=seed, dtype="float32"),
            layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1, dtype="float32"),
            layers.RandomTranslation(
                0.1, 0.1, fill_mode="constant", seed=seed + 2, dtype="float32"
            ),
        ],
        name="augmentation",
    )


def _stem(inputs: keras.KerasTensor, *, augment: bool, seed: int) -> keras.KerasTensor:
    x = _augmentation(seed)(inputs) if augment else inputs
    return layers.Rescaling(
        1 / config.PIXEL_STD,
        offset=-config.PIXEL_MEAN / config.PIXEL_STD,
        name="normalize",
        dtype="float32",
    )(x)


def _head(x: keras.KerasTensor) -> keras.KerasTensor:
    logits = layers.Dense(config.NUM_CLASSES, name="logits", dtype="float32")(x)
    return layers.Activation("softmax", name="probabilities", dtype="float32")(logits)


def build_baseline(*, augment: bool = False, seed: int = 0) -> keras.Model:
    """A small MLP: one hidden layer of 128 units with dropout (about 100k parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = layers.Flatten()(_stem(inputs, augment=augment, seed=seed))
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(inputs, _head(x), name="baseline")


def build_convnet(*, augment: bool = False, seed: int = 0) -> keras.Model:
    """The classic small convnet of the Keras MNIST example: two conv + pool blocks (about 35k
    parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = _stem(inputs, augment=augment, seed=seed)
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _head(x), name="convnet")


def _conv_bn(
    x: keras.KerasTensor, filters: int, kernel: int, *, strides: int = 1, name: str
) -> keras.KerasTensor:
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(
        x
    )
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_deep_cnn(*, augment: bool = True, seed: int = 0) -> keras.Model:
    """A deeper CNN: three conv blocks with batch norm and dropout, strided 5x5 convs instead of
    pooling.

    Feature maps: 28x28x32 -> 14x14x64 -> 7x7x128 (the last conv layer, used by Grad-CAM).
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = _stem(inputs, augment=augment, seed=seed)
    x = _conv_bn(x, 32, 3, name="conv1a")
    x = _conv_bn(x, 32, 3, name="conv1b")
    x = _conv_bn(x, 32, 5, strides=2, name="conv1c")
    x = layers.Dropout(0.4)(x)
    x = _conv_bn(x, 64, 3, name="conv2a")
    x = _conv_bn(x, 64, 3, name="conv2b")
    x = _conv_bn(x, 64, 5, strides=2, name="conv2c")
    x = layers.Dropout(0.4)(x)
    x = _conv_bn(x, 128, 3, name="conv3")
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    return keras.Model(inputs, _head(x), name="deep_cnn")


def build_fast_cnn(*, augment: bool = False, seed: int = 0) -> keras.Model:
    """The fast MNIST net: 5x5 conv 24, pool, 3x3 conv 32, pool, dense 256, no dropout (about 215k
    parameters).

    Feature maps: 24x24x24 -> 12x12x24 -> 10x10x32 (the last conv layer) -> 5x5x32.
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = _stem(inputs, augment=augment, seed=seed)
    x = layers.Conv2D(24, 5, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256, activation="relu", name="dense")(x)
    return keras.Model(inputs, _head(x), name="fast_cnn")


def _conv_bn_valid(
    x: keras.KerasTensor, filters: int, kernel: int, *, name: str
) -> keras.KerasTensor:
    x = layers.Conv2D(filters, kernel, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_wide_cnn(*, augment: bool = False, seed: int = 0) -> keras.Model:
    """A wider fast net with batch norm: 5x5 conv 32, pool, two 3x3 convs 64, pool, dense 256 (about
    470k parameters).

    Feature maps: 24x24x32 -> 12x12x32 -> 10x10x64 -> 10x10x64 (the last conv layer) -> 5x5x64.
    Valid convolutions and early pooling keep it about 3x faster per image than deep_cnn on a CPU.
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = _stem(inputs, augment=augment, seed=seed)
    x = _conv_bn_valid(x, 32, 5, name="conv1")
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = _conv_bn_valid(x, 64, 3, name="conv2a")
    x = _conv_bn(x, 64, 3, name="conv2b")
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256, use_bias=False, name="dense")(x)
    x = layers.BatchNormalization(name="dense_bn")(x)
    x = layers.Activation("relu", name="dense_relu")(x)
    x = layers.Dropout(0.25, seed=seed)(x)
    return keras.Model(inputs, _head(x), name="wide_cnn")


@dataclass(frozen=True)
class Architecture:
    """An architecture and its own training defaults: what the CLI, the presets and the Train form
    start from."""

    build: Callable[..., keras.Model]  # build(augment=..., seed=...) -> a Keras model
    augment: bool  # whether training augments the images unless told otherwise
    label: str  # a short description for a form
    epochs: int  # epochs that suit it on all 55,000 training images

    @property
    def description(self) -> str:
        """The first line of the builder's docstring."""
        return (self.build.__doc__ or self.label).splitlines()[0].rstrip(".")


ARCHITECTURES: dict[str, Architecture] = {
    "baseline": Architecture(
        build_baseline, augment=False, label="MLP, 100k parameters", epochs=10
    ),
    "convnet": Architecture(
        build_convnet, augment=False, label="small convnet, 35k parameters", epochs=12
    ),
    "deep_cnn": Architecture(
        build_deep_cnn, augment=True, label="deep CNN with batch norm", epochs=35
    ),
    "fast_cnn": Architecture(
        build_fast_cnn, augment=False, label="fast small CNN, 215k parameters", epochs=3
    ),
    "wide_cnn": Architecture(
        build_wide_cnn, augment=True, label="wider CNN with batch norm, 470k parameters", epochs=20
    ),
}
DEFAULT_ARCHITECTURE = "wide_cnn"


def check_architecture(name: str) -> Architecture:
    """The entry of architecture `name`; `ValueError` naming the choices if there is none."""
    if name not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {sorted(ARCHITECTURES)}, got {name!r}")
    return ARCHITECTURES[name]


def build_model(name: str, *, augment: bool, seed: int = 0) -> keras.Model:
    """Build the architecture called `name` (one of `ARCHITECTURES`)."""
    return check_architecture(name).build(augment=augment, seed=seed)
