"""The dashboard's one read-only service: every page reads data, runs and statistics through it.

It only calls `model/` and caches what it gets: the dataset, its statistics and projection are
loaded once by `warm()` at start; each run is read on first use and kept until its directory
changes. The list of runs is rescanned (a directory listing) on every call, so a run trained
while the app is up appears in the selector on the next page load.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import flask
import numpy as np

from model.data import Mnist, load_mnist
from model.explain import Explainer, load_explainer
from model.inference import Predictor, load_predictor
from model.predictions import Predictions, index_predictions
from model.projection import Projection, load_projection
from model.runs import Run, RunError, check_model_file, list_runs, load_run
from model.statistics import DatasetStatistics, class_sample, dataset_statistics

from dashboard.settings import DEFAULT_RUN_NAME, Settings

EXTENSION_KEY = "mnist_service"


@dataclass(frozen=True)
class RunSummary:
    """One line of the table of runs."""

    name: str
    architecture: str
    parameters: int
    epochs: int
    seconds: float
    accuracy: float
    errors: int

    @property
    def label(self) -> str:
        """How the run selector names the run (the architecture only when the name does not say it)."""
        parts = [self.name] if self.name == self.architecture else [self.name, self.architecture]
        return " · ".join([*parts, f"{self.accuracy:.2%}"])


def _stamp(path: Path) -> tuple[int, int]:
    """Changes whenever the run directory is rewritten (runs are replaced by a rename)."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


@functools.lru_cache(maxsize=16)
def _cached_run(path: Path, stamp: tuple[int, int]) -> tuple[Run, Predictions]:
    run = load_run(path)
    try:
        return run, index_predictions(load_mnist().y_test, run.probabilities)
    except ValueError as error:
        raise RunError(f"run directory {path} has unusable test probabilities: {error}") from None


def summarize(run: Run) -> RunSummary:
    """The table line of `run`, from its metadata and evaluation."""
    meta = run.metadata
    return RunSummary(
        name=run.name,
        architecture=str(meta.get("architecture", "?")),
        parameters=int(meta.get("parameters", 0)),
        epochs=int(meta.get("epochs", len(run.history))),
        seconds=float(meta.get("duration_seconds", 0.0)),
        accuracy=float(run.evaluation["accuracy"]),
        errors=int(run.evaluation.get("errors", 0)),
    )


class Service:
    """Read-only access to the dataset, its statistics and the runs, cached."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def warm(self) -> None:
        """Load everything the pages need up front; raise `DataError`/`RunError` with the fix if it is broken."""
        load_mnist()
        dataset_statistics()
        self.projection()
        default = self.default_run()
        check_model_file(self.run_paths()[default])
        self.run(default)
        self.explainer(default)  # compiles the default model's predictor and saliency functions

    @property
    def mnist(self) -> Mnist:
        """The dataset arrays."""
        return load_mnist()

    def run_paths(self) -> dict[str, Path]:
        """Every complete run by name: the runs directory, rescanned now, plus an explicitly chosen run."""
        paths = {path.name: path for path in list_runs(self.settings.runs_dir)}
        if self.settings.run is not None:
            paths[Path(self.settings.run).name] = Path(self.settings.run)
        return paths

    def default_run(self) -> str:
        """The preselected run: the one asked for, else the shipped deep CNN, else the first one found."""
        if self.settings.run is not None:
            name = Path(self.settings.run).name
            self.run(name)  # cached: raises `RunError` with the fix if the chosen run is unreadable
            return name
        paths = self.run_paths()
        if DEFAULT_RUN_NAME in paths:
            return DEFAULT_RUN_NAME
        if paths:
            return next(iter(paths))
        raise RunError(
            f"no trained run in {self.settings.runs_dir}; restore the shipped runs (git checkout -- runs) "
            f"or train one with `python -m model.train --out {Path(self.settings.runs_dir) / DEFAULT_RUN_NAME}`"
        )

    def run(self, name: str) -> Run:
        """The run called `name`; `RunError` if it does not exist (anymore) or is unreadable."""
        return self._run_and_predictions(name)[0]

    def predictions(self, name: str) -> Predictions:
        """The indexed test predictions of run `name`."""
        return self._run_and_predictions(name)[1]

    def _run_and_predictions(self, name: str) -> tuple[Run, Predictions]:
        path = self.run_paths().get(name)
        if path is None:
            raise RunError(f"run {name!r} is not in {self.settings.runs_dir} any more; pick another run")
        try:
            stamp = _stamp(path)
        except FileNotFoundError:
            raise RunError(
                f"run directory {path} does not exist; train one with `python -m model.train --out {path}`"
            ) from None
        return _cached_run(path, stamp)

    def summaries(self) -> list[RunSummary]:
        """A summary of every readable run, by name."""
        summaries = []
        for name in self.run_paths():
            try:
                summaries.append(summarize(self.run(name)))
            except (RunError, KeyError, TypeError, ValueError):
                continue  # an unreadable run is left out of the table and the selector
        return summaries

    def statistics(self) -> DatasetStatistics:
        """Label counts and pixel statistics of the dataset."""
        return dataset_statistics()

    def projection(self) -> Projection:
        """The PCA and t-SNE projection of the sample of test images."""
        settings = self.settings
        return load_projection(settings.projection_size, settings.projection_seed, Path(settings.cache_dir))

    def class_sample(self, digit: int, seed: int) -> np.ndarray:
        """Training indices of a gallery of `digit`, chosen with `seed`."""
        return class_sample(self.mnist.y_train, digit, self.settings.gallery_size, seed)

    # Saliency and Draw pages: the run's model, for live predictions and explanations (cached in model/).
    def predictor(self, name: str) -> Predictor:
        """The warmed-up predictor of run `name`; `RunError` if the run or its model cannot be read."""
        return load_predictor(self.run(name).path)

    def explainer(self, name: str) -> Explainer:
        """The saliency methods of run `name`'s model, compiled; `RunError` if it cannot be read."""
        return load_explainer(self.run(name).path)


def attach(server: flask.Flask, service: Service) -> None:
    """Make `service` the one `current()` returns inside `server`'s requests."""
    server.extensions[EXTENSION_KEY] = service


def current() -> Service:
    """The service of the app handling the current request (layouts and callbacks run in one)."""
    return flask.current_app.extensions[EXTENSION_KEY]
