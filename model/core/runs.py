"""Run directories: write one atomically, read one back, list the complete ones.

A run directory holds:
- `model.keras`: the trained model (float32 weights);
- `history.csv`: one row per epoch (loss, accuracy, val_loss, val_accuracy, learning_rate, seconds);
- `evaluation.json`: test accuracy and loss, the confusion matrix and per-class precision/recall/F1;
- `test_probabilities.npy`: float32 (10000, 10), the model's probabilities for every test image;
- `metadata.json`: architecture, parameter count, hyperparameters, seed, duration, versions.

A run is written into a hidden temporary directory and renamed into place at the end, so an
interrupted run never looks complete; directories whose names start with "." are never listed.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.csv"
EVALUATION_FILE = "evaluation.json"
PROBABILITIES_FILE = "test_probabilities.npy"
METADATA_FILE = "metadata.json"
RUN_FILES = (MODEL_FILE, HISTORY_FILE, EVALUATION_FILE, PROBABILITIES_FILE, METADATA_FILE)

log = logging.getLogger(__name__)


class RunError(RuntimeError):
    """A run directory is missing, incomplete or unreadable."""


@dataclass(frozen=True)
class Run:
    """What a run directory holds, except the model itself (see
    `model.core.predictor.load_predictor`)."""

    path: Path
    metadata: dict
    history: pd.DataFrame
    evaluation: dict
    probabilities: np.ndarray

    @property
    def name(self) -> str:
        """The directory name, which identifies the run."""
        return self.path.name

    @property
    def model_path(self) -> Path:
        """The `.keras` file of the run."""
        return self.path / MODEL_FILE


def write_run(destination: Path, fill: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Create run directory `destination` atomically: `fill(temp_dir)` writes the files, then it is
    renamed.

    If `fill` raises, nothing is left behind and an existing run at `destination` is untouched.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists() and not overwrite:
        raise RunError(f"{destination} already exists")
    temp = Path(
        tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    )
    try:
        temp.chmod(0o755)
        fill(temp)
        missing = [name for name in RUN_FILES if not (temp / name).exists()]
        if missing:
            raise RunError(f"run for {destination} is incomplete: missing {', '.join(missing)}")
        old = None
        if destination.exists():
            old = destination.parent / f".{destination.name}.old-{os.getpid()}"
            os.replace(destination, old)
        os.replace(temp, destination)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return destination


def write_json(path: Path | str, data: object) -> Path:
    """Write `data` as JSON to `path` through a temporary file renamed into place (a reader never
    sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out, indent=2)
            out.write("\n")
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def load_run(path: Path | str) -> Run:
    """Read a complete run directory; a missing or broken file raises `RunError` naming it."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(
            f"run directory {path} does not exist; train one with `python -m model.train --out "
            f"{path}`"
        )
    missing = [name for name in RUN_FILES if not (path / name).is_file()]
    if missing:
        raise RunError(f"run directory {path} is incomplete: missing {', '.join(missing)}")
    try:
        run = Run(
            path=path,
            metadata=_read_json(path / METADATA_FILE),
            history=pd.read_csv(path / HISTORY_FILE),
            evaluation=_read_json(path / EVALUATION_FILE),
            probabilities=np.load(path / PROBABILITIES_FILE, allow_pickle=False),
        )
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise RunError(f"run directory {path} has an unreadable file: {error}") from error
    _check_contents(run)
    return run


HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy")
EVALUATION_KEYS = ("accuracy", "errors", "confusion_matrix", "per_class")


def _check_contents(run: Run) -> None:
    """`RunError` naming the file when a run's files parse but do not hold what a run holds."""
    missing = [column for column in HISTORY_COLUMNS if column not in run.history.columns]
    if missing:
        raise RunError(f"{run.path / HISTORY_FILE} lacks the columns {', '.join(missing)}")
    if not isinstance(run.evaluation, dict) or any(
        key not in run.evaluation for key in EVALUATION_KEYS
    ):
        raise RunError(
            f"{run.path / EVALUATION_FILE} must be an object with {', '.join(EVALUATION_KEYS)}"
        )
    if not isinstance(run.metadata, dict):
        raise RunError(f"{run.path / METADATA_FILE} must be a JSON object")
    if run.probabilities.ndim != 2 or run.probabilities.shape[1:] != (10,):
        raise RunError(
            f"{run.path / PROBABILITIES_FILE} must have shape (n, 10), got "
            f"{run.probabilities.shape}"
        )


def written_summary(path: Path | str) -> str:
    """One line for a command that wrote run `path`: where, its test accuracy, errors and (test-time
    augmentation)."""
    run = load_run(path)
    tta = " with test-time augmentation" if run.evaluation.get("test_time_augmentation") else ""
    return (
        f"wrote {run.path}: test accuracy {run.evaluation['accuracy']:.4f} "
        f"({run.evaluation['errors']} errors)"
        f"{tta}, {run.metadata.get('duration_seconds', 0):.0f} s of training"
    )


def check_model_file(path: Path | str) -> None:
    """Check, without loading Keras, that the run's model file is a complete .keras archive; else
    `RunError`."""
    model_file = Path(path) / MODEL_FILE
    hint = f"retrain it with `python -m model.train --out {Path(path)}` or restore the shipped file"
    try:
        with zipfile.ZipFile(model_file) as archive:
            names = set(archive.namelist())
            damaged = archive.testzip()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise RunError(f"model file {model_file} is unreadable ({error}); {hint}") from error
    if damaged or not {"config.json", "model.weights.h5"} <= names:
        raise RunError(f"model file {model_file} is damaged; {hint}")


def list_runs(root: Path | str) -> list[Path]:
    """The complete run directories under `root`, sorted by name; hidden (in-progress) ones are
    skipped."""
    root = Path(root)
    if not root.is_dir():
        log.warning("runs directory %s does not exist: no runs listed", root)
        return []
    runs = []
    for child in root.iterdir():
        if not child.is_dir() or child.name.startswith("."):
            continue
        missing = [name for name in RUN_FILES if not (child / name).is_file()]
        if missing:
            log.warning("%s skipped: not a complete run (missing %s)", child, ", ".join(missing))
        else:
            runs.append(child)
    return sorted(runs)


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_run_name(name: str) -> str:
    """Return `name` if it can name a run directory (letters, digits, `_ . -`, at most 64); else
    `ValueError`."""
    if not isinstance(name, str) or not RUN_NAME.fullmatch(name):  # fullmatch: no trailing newline
        raise ValueError(
            "run name must be 1-64 letters, digits, '_', '.' or '-' and start with a letter or "
            f"digit, got {name!r}"
        )
    return name


def rename_run(path: Path | str, new_name: str) -> Path:
    """Rename run directory `path` to `new_name` in the same folder; `RunError` if that name is
    taken."""
    path = Path(path)
    target = path.parent / check_run_name(new_name)
    if target.exists():
        raise RunError(f"a run called {new_name!r} already exists")
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    os.rename(path, target)
    metadata_file = target / METADATA_FILE
    metadata = _read_json(metadata_file)
    metadata["name"] = new_name
    write_json(metadata_file, metadata)
    return target


def delete_run(path: Path | str) -> None:
    """Delete run directory `path`: renamed out of sight first, so it never shows half-deleted."""
    path = Path(path)
    if path.is_symlink():
        raise RunError(f"{path} is a link, not a run directory: remove the link itself")
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    trash = path.parent / f".{path.name}.deleted-{os.getpid()}"
    os.replace(path, trash)
    shutil.rmtree(trash)


def export_run_zip(path: Path | str) -> bytes:
    """A zip archive of the run directory `path`, as bytes, files under `NAME/`: the run's files and
    what was
    computed from its model (calibration, feature maps, robustness curves); links and hidden files
    are left out."""
    path = Path(path)
    load_run(path)
    files = sorted(
        child
        for child in path.iterdir()
        if child.is_file() and not child.is_symlink() and not child.name.startswith(".")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()


def per_class_table(run: Run) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support of `run` as a table, one row per digit."""
    return pd.DataFrame(run.evaluation["per_class"])
