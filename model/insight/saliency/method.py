"""What a saliency method is: its compute function, its settings with defaults and ranges, and its
checks.

`Method.check_settings` turns user settings into the method's complete, checked settings; every
bad value raises a `ValueError` naming the setting, the value received and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Settings = dict[str, int | float | str]


@dataclass(frozen=True)
class Setting:
    """One setting of a method: its label, default and allowed range (numbers) or choices (text).

    `slider` is the (minimum, maximum, step) a page offers for it, or None when pages do not offer
    it.
    """

    label: str
    default: int | float | str
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()
    slider: tuple[float, float, float] | None = None

    def check(self, method: str, name: str, value: object) -> int | float | str:
        """`value` as this setting's type, or a `ValueError` saying what is allowed."""
        where = f"{method} setting {name!r}"
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
            return str(value)
        if isinstance(self.default, int):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(
                    f"{where} must be an integer from {self.minimum} to {self.maximum}, got "
                    f"{value!r}"
                )
            number: int | float = int(value)
        else:
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise ValueError(
                    f"{where} must be a number from {self.minimum} to {self.maximum}, got {value!r}"
                )
            number = float(value)
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"{where} is a number setting without a range")
        if not (math.isfinite(number) and self.minimum <= number <= self.maximum):
            raise ValueError(
                f"{where} must be from {self.minimum} to {self.maximum}, got {value!r}"
            )
        return number


@dataclass(frozen=True)
class Method:
    """A saliency method: label and one-line meaning for the UI, whether its maps are signed, its
    settings,
    the function that computes its raw map, and any check that involves several settings.

    `compute(explainer, pixels, target, **settings)` gets the compiled `Explainer`, a float32 batch
    (1, 28, 28, 1) and the class index, and returns a (28, 28) map. `needs_conv` methods are offered
    only for models with a convolutional layer.
    """

    label: str
    description: str
    signed: bool
    compute: Callable[..., np.ndarray]
    settings: dict[str, Setting] = field(default_factory=dict)
    check: Callable[[Settings], None] | None = None
    needs_conv: bool = False

    @property
    def defaults(self) -> Settings:
        """Each setting's default value."""
        return {name: setting.default for name, setting in self.settings.items()}

    def check_settings(self, name: str, settings: dict[str, object]) -> Settings:
        """The complete settings of this method (called `name`): its defaults overridden by
        `settings`, checked."""
        unknown = sorted(set(settings) - set(self.settings))
        if unknown:
            allowed = sorted(self.settings) or "none"
            raise ValueError(f"{name} has no setting {unknown[0]!r}; its settings are: {allowed}")
        checked = {
            key: setting.check(name, key, settings.get(key, setting.default))
            for key, setting in self.settings.items()
        }
        if self.check is not None:
            self.check(checked)
        return checked
