"""The training input pipeline, all on in-memory tensors.

The whole training set lives in one float32 tensor (55,000 x 28 x 28 x 1 is 172 MB); an epoch is a
random permutation of its indices cut into whole batches, and each batch is gathered, augmented
and one-hot encoded inside the TensorFlow graph (one `tf.data` element per batch, no Python per
batch or per image). The dataset repeats forever; `model.fit` takes `steps_per_epoch`.

Augmentation is one random affine warp per image (rotation, zoom, shift), scaled by `strength`:
strength 1 is up to 10 degrees, 10% zoom and 2 pixels of shift; 0 turns it off.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from model import config

SIZE = config.IMAGE_SIZE
ROTATION_DEGREES = 10.0  # at strength 1
ZOOM = 0.10
SHIFT_PIXELS = 2.0


# Augmentation: one projective transform per image, drawn from a stateless seed.


def _affine_transforms(batch: tf.Tensor, seed: tf.Tensor, strength: float) -> tf.Tensor:
    """(batch, 8) transforms mapping output to input pixels: random rotation, zoom and shift about
    the centre."""
    seeds = tf.random.experimental.stateless_split(seed, 4)
    angle = (
        tf.random.stateless_uniform([batch], seeds[0], -1.0, 1.0)
        * math.radians(ROTATION_DEGREES)
        * strength
    )
    scale = 1.0 + tf.random.stateless_uniform([batch], seeds[1], -1.0, 1.0) * ZOOM * strength
    shift_x = tf.random.stateless_uniform([batch], seeds[2], -1.0, 1.0) * SHIFT_PIXELS * strength
    shift_y = tf.random.stateless_uniform([batch], seeds[3], -1.0, 1.0) * SHIFT_PIXELS * strength
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    centre = (SIZE - 1) / 2
    x0, y0 = centre + shift_x, centre + shift_y  # where the centre goes
    zeros = tf.zeros([batch])
    return tf.stack(
        [
            cos,
            sin,
            centre - cos * x0 - sin * y0,
            -sin,
            cos,
            centre + sin * x0 - cos * y0,
            zeros,
            zeros,
        ],
        axis=1,
    )


def augment(images: tf.Tensor, seed: tf.Tensor, *, strength: float) -> tf.Tensor:
    """Randomly rotate, zoom and shift each image of float32 `images` (batch, 28, 28, 1); black
    fill."""
    transforms = _affine_transforms(tf.shape(images)[0], seed, strength)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.constant([SIZE, SIZE]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


# Datasets.


def steps_per_epoch(images: int, batch_size: int) -> int:
    """Whole batches per epoch (each epoch drops a different random remainder)."""
    if images < batch_size:
        raise ValueError(f"need at least batch_size ({batch_size}) images, got {images}")
    return images // batch_size


def training_dataset(
    x: np.ndarray, y: np.ndarray, *, batch_size: int, seed: int, augment_strength: float = 0.0
) -> tf.data.Dataset:
    """Endless batches (images float32 (batch, 28, 28, 1), one-hot float32 (batch, 10)), reshuffled
    every epoch.

    `x` is float32 (n, 28, 28, 1) in [0, 1], `y` integer labels (n,).
    """
    images, labels = tf.constant(x, tf.float32), tf.constant(y, tf.int32)
    count = len(y)
    steps = steps_per_epoch(count, batch_size)

    def epoch_batches(epoch: tf.Tensor) -> tf.data.Dataset:
        order = tf.random.experimental.stateless_shuffle(
            tf.range(count), seed=tf.stack([seed, epoch])
        )
        return tf.data.Dataset.from_tensor_slices(
            tf.reshape(order[: steps * batch_size], [steps, batch_size])
        )

    def gather(step: tf.Tensor, indices: tf.Tensor):
        batch = tf.gather(images, indices)
        if augment_strength > 0:
            batch = augment(batch, tf.stack([seed + 1, step]), strength=augment_strength)
        return batch, tf.one_hot(tf.gather(labels, indices), config.NUM_CLASSES)

    return (
        tf.data.Dataset.counter()
        .map(lambda epoch: tf.cast(epoch, tf.int32))
        .flat_map(epoch_batches)
        .enumerate()
        .map(
            lambda step, indices: gather(tf.cast(step, tf.int32), indices),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .prefetch(tf.data.AUTOTUNE)
    )


def evaluation_dataset(x: np.ndarray, y: np.ndarray, *, batch_size: int = 1000) -> tf.data.Dataset:
    """Batches of (images, one-hot labels) in order, cached in memory."""
    images = tf.constant(x, tf.float32)
    labels = tf.one_hot(tf.constant(y, tf.int32), config.NUM_CLASSES)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size).cache()
