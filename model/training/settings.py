"""What defines a training run (`TrainConfig`) and the named presets that fill it in.

A preset is a named set of options (architecture, epochs, batch size, schedule, regularization);
options given explicitly override it, and no preset at all trains the shipped default model.
Every number here was measured on the 2-core CPU this project trains on (see README, "Presets").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from model import config
from model.core.runs import RunStore
from model.training.architectures import DEFAULT_ARCHITECTURE, check_architecture
from model.training.recipe import SCHEDULES

PRECISIONS = ("mixed_bfloat16", "float32")
STRATEGIES = ("default", "mirrored")


@dataclass
class TrainConfig:
    """Everything that defines a training run; the defaults train the shipped default model's recipe
    (runs/wide_cnn-strong was trained so, with seed 10) into runs/ARCHITECTURE."""

    architecture: str = DEFAULT_ARCHITECTURE
    epochs: int = 18
    batch_size: int = 128
    augment: bool | None = None  # None: the architecture's own default (`Architecture.augment`)
    augment_strength: float = (
        1.0  # 1: up to 10 degrees, 10% zoom, 2 px shift (model.training.pipeline)
    )
    train_size: int | None = None  # None: all 55,000 images left after the validation split
    learning_rate: float = 3e-3  # peak of the schedule
    beta_1: float = 0.9
    beta_2: float = 0.999
    schedule: str = "one_cycle"
    label_smoothing: float = 0.1
    ema: bool = (
        True  # end with an exponential moving average of the weights (long enough runs only)
    )
    tta: bool = True  # evaluate with test-time augmentation (model.training.pipeline.TTA_SHIFTS)
    seed: int = 0
    precision: str = "float32"
    strategy: str = "default"
    steps_per_execution: int = 8
    preset: str | None = None  # the preset this configuration started from, for the record
    out: Path = None  # type: ignore[assignment]  # None: runs/PRESET, else runs/ARCHITECTURE

    def __post_init__(self) -> None:
        architecture = check_architecture(self.architecture)
        if self.augment is None:
            self.augment = architecture.augment
        for name in ("epochs", "batch_size", "steps_per_execution"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.train_size is not None and self.train_size < self.batch_size:
            raise ValueError(
                f"train_size must be at least batch_size ({self.batch_size}), got {self.train_size}"
            )
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("strategy", self.strategy, STRATEGIES)
        _check_choice("schedule", self.schedule, SCHEDULES)
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0 <= self.augment_strength <= 3:
            raise ValueError(f"augment_strength must be in [0, 3], got {self.augment_strength}")
        if self.preset is not None:
            _check_choice("preset", self.preset, tuple(PRESETS))
        self.out = Path(
            self.out or RunStore(config.RUNS_DIR).path(self.preset or self.architecture)
        )

    def to_json(self) -> str:
        """This configuration as one JSON object (the run directory as a string): how it travels
        to a training process."""
        return json.dumps({**asdict(self), "out": str(self.out)})

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        """The configuration `to_json` wrote, checked again; `ValueError` for anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or not set(data) <= {f.name for f in fields(cls)}:
            raise ValueError(f"not a training configuration: {text[:200]!r}")
        return cls(**data)


def _check_choice(name: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


# The presets: goals on 2 CPU cores (whole command) are quick <= 30 s at >= 99.0%, strong <= 10 min
# at >= 99.7%.
PRESETS: dict[str, dict] = {
    # the fast MNIST recipe: small net, Adam lr 0.01 betas (0.7, 0.9), batch 256, one cycle
    "quick": {
        "architecture": "fast_cnn",
        "epochs": 2,
        "batch_size": 256,
        "learning_rate": 0.01,
        "beta_1": 0.7,
        "beta_2": 0.9,
        "schedule": "one_cycle",
        "augment": False,
        "label_smoothing": 0.1,
        "ema": False,
        "tta": False,
        "precision": "float32",
        "steps_per_execution": 16,
    },
    "strong": {  # the shipped default recipe (the defaults of TrainConfig), named
        "architecture": "wide_cnn",
        "epochs": 18,
        "batch_size": 128,
        "learning_rate": 3e-3,
        "schedule": "one_cycle",
        "augment": True,
        "augment_strength": 1.0,
        "label_smoothing": 0.1,
        "ema": True,
        "tta": True,
        "precision": "float32",
        "steps_per_execution": 8,
    },
}


def preset_config(preset: str | None = None, **options) -> TrainConfig:
    """A `TrainConfig` from `preset` (or the defaults when None), with `options` overriding it.

    Options that are None count as not given.
    """
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown training options {unknown}; known: {sorted(known)}")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}, got {preset!r}")
    values = {
        **(PRESETS[preset] if preset else {}),
        **{k: v for k, v in options.items() if v is not None},
    }
    return TrainConfig(**values, preset=preset)
