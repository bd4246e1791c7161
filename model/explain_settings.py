"""The saliency methods as the UI lists them: name, label, meaning, sign, settings with defaults and ranges.

`check_settings` turns user settings into a method's complete, checked settings; every bad
value raises a `ValueError` naming the setting, the value received and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model import config


@dataclass(frozen=True)
class Setting:
    """One setting of a method: its label, default and allowed range (numbers) or choices (text)."""

    label: str
    default: int | float | str
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()

    def check(self, method: str, name: str, value: object) -> int | float | str:
        """`value` as this setting's type, or a `ValueError` saying what is allowed."""
        where = f"{method} setting {name!r}"
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
            return str(value)
        if isinstance(self.default, int):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{where} must be an integer from {self.minimum} to {self.maximum}, got {value!r}")
            number: int | float = int(value)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{where} must be a number from {self.minimum} to {self.maximum}, got {value!r}")
            number = float(value)
        if not (math.isfinite(number) and self.minimum <= number <= self.maximum):
            raise ValueError(f"{where} must be from {self.minimum} to {self.maximum}, got {value!r}")
        return number


@dataclass(frozen=True)
class Method:
    """An explanation method: label and one-line meaning for the UI, whether its values are signed, its settings."""

    label: str
    description: str
    signed: bool
    settings: dict[str, Setting] = field(default_factory=dict)

    @property
    def defaults(self) -> dict[str, int | float | str]:
        """Each setting's default value."""
        return {name: setting.default for name, setting in self.settings.items()}


METHODS: dict[str, Method] = {
    "vanilla": Method(
        "Vanilla gradient",
        "How strongly a small change of each pixel moves the class score: |d logit / d pixel|.",
        signed=False,
    ),
    "smoothgrad": Method(
        "SmoothGrad",
        "The gradient averaged over noisy copies of the image, then its magnitude: less speckle than the vanilla one.",
        signed=False,
        settings={
            "noise": Setting("Noise level (fraction of the pixel range)", config.SMOOTHGRAD_NOISE, 0.0, 1.0),
            "samples": Setting("Noisy samples", config.SMOOTHGRAD_SAMPLES, 1, 512),
            "seed": Setting("Random seed", 0, 0, 2**32 - 1),
        },
    ),
    "integrated_gradients": Method(
        "Integrated Gradients",
        "Each pixel's share of the class score's rise from a black image; the shares add up to that rise.",
        signed=True,
        settings={"steps": Setting("Points on the path from black to the image", config.INTEGRATED_GRADIENTS_STEPS, 2, 1024)},
    ),
    "gradcam": Method(
        "Grad-CAM",
        "Where in the last convolutional feature maps the evidence for the class lies, upsampled to 28x28.",
        signed=False,
        settings={
            "weights": Setting(
                "Gradient weights: per position (HiResCAM) or averaged per channel (original Grad-CAM)",
                "elementwise",
                choices=("elementwise", "averaged"),
            ),
        },
    ),
    "occlusion": Method(
        "Occlusion",
        "How much the class score drops when a square patch around each pixel is set to the black background.",
        signed=True,
        settings={
            "window": Setting("Patch size (pixels)", config.OCCLUSION_WINDOW, 1, config.IMAGE_SIZE),
            "stride": Setting("Stride (pixels, at most the patch size)", config.OCCLUSION_STRIDE, 1, config.IMAGE_SIZE),
            "score": Setting("Score that drops", "logit", choices=("logit", "probability")),
        },
    ),
}


def check_method(method: object) -> Method:
    """The `Method` called `method`, or a `ValueError` listing the known ones."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return METHODS[method]


def check_settings(method: str, settings: dict[str, object]) -> dict[str, int | float | str]:
    """The method's complete settings: its defaults overridden by `settings`, each one checked."""
    spec = check_method(method)
    unknown = sorted(set(settings) - set(spec.settings))
    if unknown:
        allowed = sorted(spec.settings) or "none"
        raise ValueError(f"{method} has no setting {unknown[0]!r}; its settings are: {allowed}")
    checked = {name: setting.check(method, name, settings.get(name, setting.default))
               for name, setting in spec.settings.items()}
    if method == "occlusion" and checked["stride"] > checked["window"]:
        raise ValueError(
            f"occlusion setting 'stride' must be at most the window ({checked['window']}) so that every pixel "
            f"is covered, got {checked['stride']}"
        )
    return checked
