"""What the Train page accepts: its choices, the check of its form into a `TrainConfig`, and which runs may change.

No Dash here: the page's callbacks call these, and tests call them directly.
"""

from __future__ import annotations

import math
from pathlib import Path

from dashboard.settings import DEFAULT_RUN_NAME
from model import config
from model.architectures import ARCHITECTURES
from model.admission import check_run_free
from model.runs import RunError, check_run_name
from model.train import TrainConfig

FULL_TRAIN_SIZE = 60_000 - config.VALIDATION_SIZE  # the training images left after the validation split
BATCH_SIZES = (32, 64, 128, 256)
TRAIN_SIZES = (1_024, 2_048, 5_000, 10_000, 25_000, FULL_TRAIN_SIZE)
DEFAULTS = {"architecture": "convnet", "epochs": 5, "batch_size": 128, "train_size": 5_000, "seed": 0}


def architecture_options() -> list[dict]:
    """Dropdown choices: each architecture with the first line of its builder's description."""
    return [{"label": f"{name}: {architecture.description}", "value": name}
            for name, architecture in ARCHITECTURES.items()]


def train_size_label(size: int) -> str:
    """How the form names a training-subset size."""
    return f"all {size:,} images" if size >= FULL_TRAIN_SIZE else f"{size:,} images"


def augment_by_default(architecture: str) -> bool:
    """Whether augmentation starts switched on for `architecture` (as `python -m model.train` does)."""
    return ARCHITECTURES[architecture].augment


def suggest_name(runs_dir: Path, architecture: str) -> str:
    """A free run name for `architecture` in `runs_dir`: "convnet-2", "convnet-3", ..."""
    number = 2
    while (Path(runs_dir) / f"{architecture}-{number}").exists():
        number += 1
    return f"{architecture}-{number}"


def check_new_name(name: str | None, runs_dir: Path) -> str:
    """`name` stripped if a new run may take it in `runs_dir`; else `ValueError` saying why."""
    name = (name or "").strip()
    if not name:
        raise ValueError("run name is empty: give the new run a name")
    try:
        return check_run_free(Path(runs_dir) / check_run_name(name)).name  # as `python -m model.train` checks
    except RunError as error:
        raise ValueError(str(error)) from error


def _whole(label: str, value: object, low: int, high: int) -> int:
    """`value` as a whole number in [low, high], or `ValueError` naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value != int(value) or not low <= value <= high:
        raise ValueError(f"{label} must be a whole number from {low:,} to {high:,}, got {value!r}")
    return int(value)


def form_config(*, runs_dir: Path, max_epochs: int, architecture: str, epochs: object, batch_size: object,
                train_size: object, augment: bool, seed: object, name: str | None) -> TrainConfig:
    """The training the form asks for, writing into `runs_dir`; `ValueError` naming the first bad field."""
    name = check_new_name(name, runs_dir)
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {architecture!r}")
    if batch_size not in BATCH_SIZES:
        raise ValueError(f"batch size must be one of {', '.join(map(str, BATCH_SIZES))}, got {batch_size!r}")
    size = _whole("training images", train_size, max(BATCH_SIZES), FULL_TRAIN_SIZE)
    return TrainConfig(
        architecture=architecture, epochs=_whole("epochs", epochs, 1, max_epochs), batch_size=int(batch_size),
        augment=bool(augment), train_size=None if size >= FULL_TRAIN_SIZE else size,
        seed=_whole("seed", seed, 0, 2**31 - 1), out=Path(runs_dir) / name,
    )


def change_refusal(run_path: Path, runs_dir: Path, *, renaming: bool, training: bool = False,
                   only_run: bool = False) -> str | None:
    """Why the run at `run_path` may not be renamed (or deleted) now, or None if it may.

    The shipped default stays; runs outside the runs directory are not ours to change; no rename
    while a training runs, since it could take the name that training will write; the app needs
    one run, so the only one stays.
    """
    if run_path.name == DEFAULT_RUN_NAME:
        return f"{DEFAULT_RUN_NAME} is the shipped default model: it cannot be renamed or deleted"
    if Path(run_path).parent.resolve() != Path(runs_dir).resolve():
        return f"{run_path} is outside the runs directory {runs_dir}: only runs in it can be renamed or deleted"
    if renaming and training:
        return "a training is running: renaming waits until it ends, so that no name is taken twice"
    if not renaming and only_run:
        return f"{run_path.name} is the only run: the app needs one model, so it cannot be deleted"
    return None
