"""What a run directory holds, by name, and reading it back.

A run directory holds:
- `model.keras`: the trained model (float32 weights);
- `history.csv`: one row per epoch (loss, accuracy, val_loss, val_accuracy, learning_rate, seconds);
- `evaluation.json`: test accuracy and loss, the confusion matrix and per-class precision/recall/F1;
- `test_probabilities.npy`: float32 (10000, 10), the model's probabilities for every test image;
- `metadata.json`: architecture, parameter count, hyperparameters, seed, duration, versions;
- `calibration.json` (once calibrated): the fitted temperature and what it changes;
- `features-SIZE-SEED-KEY.npz` and `robustness-SIZE-KEY.json` (once computed): the map of the
  model's learned features and its robustness curve, named by a hash of the model file and their
  settings (model/insight/derived.py computes them), so they stay valid when the run is renamed.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.csv"
EVALUATION_FILE = "evaluation.json"
PROBABILITIES_FILE = "test_probabilities.npy"
METADATA_FILE = "metadata.json"
CALIBRATION_FILE = "calibration.json"
RUN_FILES = (MODEL_FILE, HISTORY_FILE, EVALUATION_FILE, PROBABILITIES_FILE, METADATA_FILE)
DERIVED_PATTERNS = ("features-*.npz", "robustness-*.json")

HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy")
EVALUATION_KEYS = ("accuracy", "errors", "confusion_matrix", "per_class")
PER_CLASS_KEYS = ("digit", "precision", "recall", "f1", "support")
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class RunError(RuntimeError):
    """A run directory is missing, incomplete or unreadable."""


def check_run_name(name: str) -> str:
    """Return `name` if it can name a run directory (letters, digits, `_ . -`, at most 64); else
    `ValueError`."""
    if not isinstance(name, str) or not RUN_NAME.fullmatch(name):  # fullmatch: no trailing newline
        raise ValueError(
            "run name must be 1-64 letters, digits, '_', '.' or '-' and start with a letter or "
            f"digit, got {name!r:.70}"
        )
    return name


def features_name(size: int, seed: int, key: str) -> str:
    """The name of a feature-map file (`size` images sampled with `seed`, settings hash `key`)."""
    return f"features-{size}-{seed}-{key}.npz"


def robustness_name(size: int, key: str) -> str:
    """The name of a robustness-curve file (first `size` test images, settings hash `key`)."""
    return f"robustness-{size}-{key}.json"


@dataclass(frozen=True)
class RunFiles:
    """Where each file of the run directory `path` is (nothing is read)."""

    path: Path

    @property
    def name(self) -> str:
        """The directory name, which identifies the run."""
        return self.path.name

    model = property(lambda self: self.path / MODEL_FILE, doc="The `.keras` file.")
    history = property(lambda self: self.path / HISTORY_FILE, doc="The per-epoch `history.csv`.")
    evaluation = property(lambda self: self.path / EVALUATION_FILE, doc="`evaluation.json`.")
    probabilities = property(lambda self: self.path / PROBABILITIES_FILE, doc="Test probabilities.")
    metadata = property(lambda self: self.path / METADATA_FILE, doc="`metadata.json`.")
    calibration = property(lambda self: self.path / CALIBRATION_FILE, doc="`calibration.json`.")

    def features(self, size: int, seed: int, key: str) -> Path:
        """The feature map of the projection sample (`size`, `seed`) with settings hash `key`."""
        return self.path / features_name(size, seed, key)

    def robustness(self, size: int, key: str) -> Path:
        """The robustness curve on the first `size` test images with settings hash `key`."""
        return self.path / robustness_name(size, key)

    def derived(self) -> list[Path]:
        """The derived files (feature maps, robustness curves) the directory holds, sorted."""
        return sorted(file for pattern in DERIVED_PATTERNS for file in self.path.glob(pattern))

    def missing(self) -> list[str]:
        """The names of the files every complete run holds that this directory lacks."""
        return [name for name in RUN_FILES if not (self.path / name).is_file()]

    def digest(self) -> str:
        """A short SHA-256 of the model file, naming the files derived from it (`OSError` if
        unreadable)."""
        digest = hashlib.sha256()
        with open(self.model, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Run:
    """What a run directory holds, read, except the model itself (see
    `model.core.predictor.load_predictor`); `files` says where everything else is."""

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
    def files(self) -> RunFiles:
        """Where each file of the run is."""
        return RunFiles(self.path)

    @property
    def model_path(self) -> Path:
        """The `.keras` file of the run."""
        return self.files.model


def read_json(path: Path) -> dict:
    """A JSON file of a run, parsed."""
    return json.loads(Path(path).read_text())


def load_run(path: Path | str) -> Run:
    """Read a complete run directory; a missing or broken file raises `RunError` naming it."""
    files = RunFiles(Path(path))
    if not files.path.is_dir():
        raise RunError(
            f"run directory {files.path} does not exist; train one with `python -m model.train "
            f"--out {files.path}`"
        )
    missing = files.missing()
    if missing:
        raise RunError(f"run directory {files.path} is incomplete: missing {', '.join(missing)}")
    try:
        run = Run(
            path=files.path,
            metadata=read_json(files.metadata),
            history=pd.read_csv(files.history),
            evaluation=read_json(files.evaluation),
            probabilities=np.load(files.probabilities, allow_pickle=False),
        )
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise RunError(f"run directory {files.path} has an unreadable file: {error}") from error
    _check_contents(run)
    return run


def _check_contents(run: Run) -> None:
    """`RunError` naming the file when a run's files parse but do not hold what a run holds."""
    missing = [column for column in HISTORY_COLUMNS if column not in run.history.columns]
    if missing:
        raise RunError(f"{run.files.history} lacks the columns {', '.join(missing)}")
    if not all(pd.api.types.is_numeric_dtype(run.history[c]) for c in HISTORY_COLUMNS):
        raise RunError(f"{run.files.history} must hold numbers in {', '.join(HISTORY_COLUMNS)}")
    if not isinstance(run.metadata, dict):
        raise RunError(f"{run.files.metadata} must be a JSON object")
    _check_evaluation(run.evaluation, run.files.evaluation)
    probabilities = run.probabilities
    if probabilities.ndim != 2 or probabilities.shape[1:] != (10,) or len(probabilities) == 0:
        shape = probabilities.shape
        raise RunError(f"{run.files.probabilities} must have shape (n, 10), got {shape}")
    if probabilities.dtype.kind != "f" or not np.isfinite(probabilities).all():
        raise RunError(f"{run.files.probabilities} must hold finite numbers (it holds NaN or inf)")


def _check_evaluation(evaluation: object, path: Path) -> None:
    """`RunError` naming `path` unless `evaluation` has its keys, a 10x10 matrix and ten class
    rows."""
    if not isinstance(evaluation, dict) or any(key not in evaluation for key in EVALUATION_KEYS):
        raise RunError(f"{path} must be an object with {', '.join(EVALUATION_KEYS)}")
    matrix = evaluation["confusion_matrix"]
    if not (
        isinstance(matrix, list)
        and len(matrix) == 10
        and all(isinstance(row, list) and len(row) == 10 for row in matrix)
        and all(_is_number(cell) for row in matrix for cell in row)
    ):
        raise RunError(f"{path}: confusion_matrix must be 10 rows of 10 counts")
    rows = evaluation["per_class"]
    if not (
        isinstance(rows, list)
        and len(rows) == 10
        and all(isinstance(row, dict) for row in rows)
        and all(_is_number(row.get(key)) for row in rows for key in PER_CLASS_KEYS)
    ):
        raise RunError(f"{path}: per_class must be 10 objects with {', '.join(PER_CLASS_KEYS)}")
    if not all(_is_number(evaluation[key]) for key in ("accuracy", "errors")):
        raise RunError(f"{path}: accuracy and errors must be numbers")


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
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
    model_file = RunFiles(Path(path)).model
    hint = f"retrain it with `python -m model.train --out {Path(path)}` or restore the shipped file"
    try:
        with zipfile.ZipFile(model_file) as archive:
            names = set(archive.namelist())
            damaged = archive.testzip()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise RunError(f"model file {model_file} is unreadable ({error}); {hint}") from error
    if damaged or not {"config.json", "model.weights.h5"} <= names:
        raise RunError(f"model file {model_file} is damaged; {hint}")


def check_safe_model(path: Path | str) -> None:
    """`RunError` if the run's model holds a Lambda layer, which Keras refuses to load in safe mode
    (arbitrary code)."""
    model_file = RunFiles(Path(path)).model
    try:
        with zipfile.ZipFile(model_file) as archive:
            config = archive.read("config.json")
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise RunError(f"model file {model_file} is unreadable ({error})") from error
    if b'"class_name": "Lambda"' in config or b'"class_name":"Lambda"' in config:
        raise RunError(
            f"the model of run {Path(path).name} holds a Lambda layer (code), which Keras refuses "
            "to load in safe mode; retrain it without one"
        )


def per_class_table(run: Run) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support of `run` as a table, one row per digit."""
    return pd.DataFrame(run.evaluation["per_class"])
