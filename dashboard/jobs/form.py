"""What the Train page accepts: its choices, the check of its form into a `TrainConfig`, and which
runs may change.

Shipped runs (those committed with the project) are listed one per line in `RUNS_DIR/SHIPPED`;
they, and the default run, cannot be renamed or deleted from the app.

No Dash here: the page's callbacks call these, and tests call them directly.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from dashboard.validation import shown
from model import config
from model.core.runs import RunError, RunStore, shipped_runs
from model.training.admission import new_run_dir
from model.training.architectures import ARCHITECTURES
from model.training.settings import PRESETS, TrainConfig, preset_config

FULL_TRAIN_SIZE = (
    60_000 - config.VALIDATION_SIZE
)  # the training images left after the validation split
BATCH_SIZES = (32, 64, 128, 256)
TRAIN_SIZES = (1_024, 2_048, 5_000, 10_000, 25_000, FULL_TRAIN_SIZE)
CUSTOM = "custom"  # no preset: the shipped model's recipe, with the options of the form
# times measured on 2 idle CPU cores, the whole training process (README, "Presets")
PRESET_LABELS = {
    # cost first: a phone shows the start of the label
    "quick": "quick: about 20 s, 99.4% (a small CNN)",
    "strong": "strong: about 7 min, 99.7% (the shipped model's recipe)",
    CUSTOM: "custom: the shipped recipe with your options below",
}
DEFAULT_PRESET = "quick"
FIELDS = (
    "preset",
    "architecture",
    "epochs",
    "batch_size",
    "train_size",
    "seed",
    "name",
)  # in the form's order
SUGGESTED = re.compile(
    rf"(?:{'|'.join(map(re.escape, ARCHITECTURES))})-\d+"
)  # what `suggest_name` gives
MAX_SEED = 2**31 - 1


def preset_options() -> list[dict]:
    """Dropdown choices: each preset, and custom, with what it costs and gives."""
    return [{"label": label, "value": name} for name, label in PRESET_LABELS.items()]


def preset_fields(preset: str) -> dict:
    """The form's fields as preset `preset` (one of `PRESETS`) sets them, on all images."""
    cfg = preset_config(preset)
    return {
        "architecture": cfg.architecture,
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "train_size": FULL_TRAIN_SIZE,
        "augment": cfg.augment,
    }


def preset_changes(preset: object, **fields: object) -> list[str]:
    """The form's `fields` that differ from what `preset` sets, as "epochs 3 (preset: 2)"; [] for
    custom."""
    if preset not in PRESETS:
        return []
    preset_values = preset_fields(preset)
    return [
        f"{name.replace('_', ' ')} {_shown(name, value)} (preset: "
        f"{_shown(name, preset_values[name])})"
        for name, value in fields.items()
        if value is not None and value != preset_values[name]
    ]


def _shown(field: str, value: object) -> str:
    """A form field's value as the form shows it."""
    if field == "train_size" and isinstance(value, int):
        return train_size_label(value)
    if field == "augment":
        return "on" if value else "off"
    return str(value)[:40]


DEFAULTS = {"preset": DEFAULT_PRESET, **preset_fields(DEFAULT_PRESET), "seed": 0}


def architecture_options() -> list[dict]:
    """Dropdown choices: each architecture with the first line of its builder's description."""
    return [
        {"label": f"{name}: {architecture.description}", "value": name}
        for name, architecture in ARCHITECTURES.items()
    ]


def train_size_label(size: int) -> str:
    """How the form names a training-subset size."""
    return f"all {size:,} images" if size >= FULL_TRAIN_SIZE else f"{size:,} images"


def augment_by_default(architecture: str) -> bool:
    """Whether augmentation starts switched on for `architecture` (as `python -m model.train`
    does)."""
    return ARCHITECTURES[architecture].augment


def is_suggested_name(name: object) -> bool:
    """Whether `name` is empty or one `suggest_name` gives ("convnet-2"), so the form may replace
    it."""
    return not name or (isinstance(name, str) and SUGGESTED.fullmatch(name) is not None)


def suggest_name(runs_dir: Path, architecture: str) -> str:
    """A free run name for `architecture` in `runs_dir`: "convnet-2", "convnet-3", ..."""
    number, store = 2, RunStore(runs_dir)
    while store.path(f"{architecture}-{number}").exists():
        number += 1
    return f"{architecture}-{number}"


def check_new_name(name: str | None, runs_dir: Path) -> str:
    """`name` stripped if a new run may take it in `runs_dir`; else `ValueError` saying why.

    The check is the training's own admission check (`model.training.admission.new_run_dir`),
    which the training process makes again under the lock.
    """
    try:
        return new_run_dir(runs_dir, name).name
    except RunError as error:
        raise ValueError(str(error)) from error


def _whole(label: str, value: object, low: int, high: int) -> int:
    """`value` as a whole number in [low, high], or `ValueError` naming the field."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value != int(value)
        or not low <= value <= high
    ):
        raise ValueError(
            f"{label} must be a whole number from {low:,} to {high:,}, got {shown(value)}"
        )
    return int(value)


def _choice(label: str, value: object, choices) -> object:
    """`value` if it is one of `choices` (True is not 1), or `ValueError` naming the field."""
    if isinstance(value, (bool, list, dict)) or value not in choices:
        raise ValueError(
            f"{label} must be one of {', '.join(map(str, choices))}, got {shown(value)}"
        )
    return value


def _field_checks(runs_dir: Path, max_epochs: int) -> dict:
    """One check per field of the form, each returning the value the `TrainConfig` needs."""
    return {
        "preset": lambda value: _choice("preset", value, tuple(PRESET_LABELS)),
        "name": lambda value: check_new_name(
            value if isinstance(value, str) or value is None else str(value)[:80], runs_dir
        ),
        "architecture": lambda value: _choice("architecture", value, tuple(ARCHITECTURES)),
        "batch_size": lambda value: int(_choice("batch size", value, BATCH_SIZES)),
        "train_size": lambda value: _whole(
            "training images", value, max(BATCH_SIZES), FULL_TRAIN_SIZE
        ),
        "epochs": lambda value: _whole("epochs", value, 1, max_epochs),
        "seed": lambda value: _whole("seed", value, 0, MAX_SEED),
    }


class FormError(ValueError):
    """The form has bad fields: `errors` says what is wrong with each, by name in `FIELDS`; the
    message is the first."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def form_config(
    *,
    runs_dir: Path,
    max_epochs: int,
    preset: object,
    architecture: object,
    epochs: object,
    batch_size: object,
    train_size: object,
    augment: bool,
    seed: object,
    name: object,
) -> TrainConfig:
    """The training the form asks for, writing into `runs_dir`; `FormError` naming every bad field.

    The preset gives the recipe (schedule, learning rate, regularization); the form's fields
    override it, as explicit options override a preset of `python -m model.train`.
    """
    values = {
        "preset": preset,
        "architecture": architecture,
        "epochs": epochs,
        "batch_size": batch_size,
        "train_size": train_size,
        "seed": seed,
        "name": name,
    }
    checked, errors = {}, {}
    for field, check in _field_checks(runs_dir, max_epochs).items():
        try:
            checked[field] = check(values[field])
        except ValueError as error:
            errors[field] = str(error)
    if errors:
        raise FormError(errors)
    size = checked["train_size"]
    return preset_config(
        None if checked["preset"] == CUSTOM else checked["preset"],
        architecture=checked["architecture"],
        epochs=checked["epochs"],
        batch_size=checked["batch_size"],
        augment=bool(augment),
        train_size=None if size >= FULL_TRAIN_SIZE else size,
        seed=checked["seed"],
        out=RunStore(runs_dir).path(checked["name"]),
    )


def change_refusal(
    run_path: Path,
    runs_dir: Path,
    *,
    renaming: bool,
    training: bool = False,
    only_run: bool = False,
) -> str | None:
    """Why the run at `run_path` may not be renamed (or deleted) now, or None if it may.

    The shipped default stays; runs outside the runs directory are not ours to change; no rename
    while a training runs, since it could take the name that training will write; the app needs
    one run, so the only one stays.
    """
    if run_path.name == RunStore(runs_dir).declared_default():
        return f"{run_path.name} is the default model: it cannot be renamed or deleted"
    if run_path.name in shipped_runs(runs_dir):
        return f"{run_path.name} ships with the app: it cannot be renamed or deleted here"
    if Path(run_path).is_symlink():
        return (
            f"{run_path.name} is a link to {os.readlink(run_path)}, not a run directory of its "
            "own: "
            "remove the link on the server"
        )
    if Path(run_path).parent.resolve() != Path(runs_dir).resolve():
        return (
            f"{run_path} is outside the runs directory {runs_dir}: "
            "only runs in it can be renamed or deleted"
        )
    if renaming and training:
        return "a training is running: renaming waits until it ends, so that no name is taken twice"
    if not renaming and only_run:
        return f"{run_path.name} is the only run: the app needs one model, so it cannot be deleted"
    return None
