"""What if the digit were rotated, scaled, shifted, or drawn thicker or thinner?

`transform` applies the five changes to a 28x28 model input (float pixels in [0, 1], white on
black): the stroke is thickened or thinned first (grey dilation or erosion, fractional amounts
blended between whole pixels), then the image is rotated and scaled about its centre and shifted,
with bilinear interpolation. With every setting at its identity value the input comes back
unchanged. `sweep` builds, for each setting, the images across its whole range with the other
settings held, so that a model reads them all in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import config

SIZE = config.IMAGE_SIZE
CENTRE = (SIZE - 1) / 2
SWEEP_POINTS = 19  # values per setting in a sweep


@dataclass(frozen=True)
class Setting:
    """One what-if slider: its label, range, step, unit and the value that changes nothing."""

    label: str
    low: float
    high: float
    step: float
    identity: float
    unit: str

    def values(self, points: int = SWEEP_POINTS) -> np.ndarray:
        """`points` evenly spaced values across the whole range."""
        return np.linspace(self.low, self.high, points)


SETTINGS: dict[str, Setting] = {
    "rotation": Setting("Rotate", -45.0, 45.0, 5.0, 0.0, "°"),
    "scale": Setting("Scale", 0.5, 1.5, 0.05, 1.0, "×"),
    "shift_x": Setting("Shift right", -8.0, 8.0, 1.0, 0.0, " px"),
    "shift_y": Setting("Shift down", -8.0, 8.0, 1.0, 0.0, " px"),
    "thickness": Setting("Thicken (−: thin)", -2.0, 2.0, 0.5, 0.0, " px"),
}
IDENTITY = {name: setting.identity for name, setting in SETTINGS.items()}


def check_settings(settings: dict) -> dict[str, float]:
    """Every setting's value (missing ones at identity), checked against its range; `ValueError`
    otherwise."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"settings must be among {sorted(SETTINGS)}, got {sorted(unknown)}")
    checked = dict(IDENTITY)
    for name, value in settings.items():
        spec = SETTINGS[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not np.isfinite(value)
        ):
            raise ValueError(f"{name} must be a number, got {value!r:.30}")
        if not spec.low <= value <= spec.high:
            raise ValueError(
                f"{name} must be between {spec.low:g} and {spec.high:g}, got {value:g}"
            )
        checked[name] = float(value)
    return checked


def _check_image(image: object) -> np.ndarray:
    array = np.asarray(image, dtype=np.float32)
    if array.shape != (SIZE, SIZE):
        raise ValueError(f"image must have shape (28, 28), got {array.shape}")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError("image must hold finite float pixels in [0, 1]")
    return array


def _morph(image: np.ndarray, amount: float) -> np.ndarray:
    """Grey dilation (amount > 0) or erosion (< 0) by |amount| pixels, fractional parts blended
    linearly."""
    from scipy import ndimage

    operation = ndimage.grey_dilation if amount > 0 else ndimage.grey_erosion
    whole, fraction = divmod(abs(amount), 1.0)
    steps = [image]
    for _ in range(int(whole) + (1 if fraction else 0)):
        steps.append(
            operation(steps[-1], footprint=np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool))
        )
    if not fraction:
        return steps[-1]
    return (1 - fraction) * steps[-2] + fraction * steps[-1]


def _affine(
    image: np.ndarray, rotation: float, scale: float, shift_x: float, shift_y: float
) -> np.ndarray:
    """Rotate by `rotation` degrees (counter-clockwise) and scale about the centre, then shift;
    bilinear."""
    from scipy import ndimage

    angle = np.deg2rad(rotation)
    # affine_transform maps output (row, col) to input coordinates: the inverse of the wanted
    # change.
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    inverse = np.array([[cos, sin], [-sin, cos]])
    centre = np.array([CENTRE, CENTRE])
    offset = centre - inverse @ (centre + np.array([shift_y, shift_x]))
    return ndimage.affine_transform(
        image, inverse, offset=offset, order=1, mode="constant", cval=0.0
    )


def transform(image: np.ndarray, **settings: float) -> np.ndarray:
    """`image` (28, 28) changed by `settings` (names of `SETTINGS`; missing ones at identity),
    float32 in [0, 1]."""
    image = _check_image(image)
    values = check_settings(settings)
    result = image
    if values["thickness"] != 0:
        result = _morph(result, values["thickness"])
    geometry = (values["rotation"], values["scale"], values["shift_x"], values["shift_y"])
    if geometry != (0.0, 1.0, 0.0, 0.0):
        result = _affine(result, *geometry)
    return np.clip(result, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Sweep:
    """For each setting, its values (points,) and the images (points, 28, 28) with the other
    settings held."""

    values: dict[str, np.ndarray]
    images: np.ndarray  # (settings * points, 28, 28), in `SETTINGS` order

    def split(self, results: np.ndarray) -> dict[str, np.ndarray]:
        """Per-image `results` (settings * points, ...) cut back into one block per setting."""
        points = len(next(iter(self.values.values())))
        return {
            name: results[number * points : (number + 1) * points]
            for number, name in enumerate(self.values)
        }


def sweep(image: np.ndarray, settings: dict, *, points: int = SWEEP_POINTS) -> Sweep:
    """The images across each setting's whole range, the other settings at their values in
    `settings`."""
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    held = check_settings(settings)
    image = _check_image(image)
    values: dict[str, np.ndarray] = {}
    images: list[np.ndarray] = []
    for name, spec in SETTINGS.items():
        values[name] = spec.values(points)
        images.extend(transform(image, **{**held, name: float(value)}) for value in values[name])
    return Sweep(values, np.stack(images))
