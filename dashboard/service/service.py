"""The dashboard's one read-only service: every page reaches the data, the runs and their models
through it.

It only calls `model/` and owns the app's caching policy: the dataset, its statistics and the
projection are loaded once by `warm()` at start; runs are held by a `RunCache` (one entry per
run name, rebuilt when its directory changes). The list of runs is rescanned when the run
selector is filled, so a run trained while the app is up appears on the next page load.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import flask
import numpy as np

from dashboard.service.answers import Answers
from dashboard.service.labels import LabelStore
from dashboard.service.runs import RunCache, RunEntry
from dashboard.settings import Settings
from model.core.answer import Answer
from model.core.calibration import Reliability, read_calibration
from model.core.error_index import Predictions
from model.core.mnist import Mnist, load_mnist
from model.core.predictor import Predictor
from model.core.runs import Run, RunError, list_runs
from model.dataset.projection import Projection, load_projection
from model.dataset.statistics import DatasetStatistics, class_sample, compute_statistics
from model.insight import derived as insight
from model.insight.activations import Network
from model.insight.adversarial import Attack, Attacker
from model.insight.saliency import Explainer
from model.insight.whatif import sweep, transform
from model.reading.classify import Classification, classify
from model.reading.preprocess import EmptyImageError
from model.reading.segment import read_number
from model.trust.compare import Comparison, compare
from model.trust.labels import find_suspects

log = logging.getLogger(__name__)
T = TypeVar("T")
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
    hyperparameters: dict = field(
        default_factory=dict
    )  # augment, batch_size, train_size, seed, preset: as recorded
    model_problem: str | None = None  # why its model cannot be loaded, when known

    @property
    def label(self) -> str:
        """How the run selector names the run (the architecture only when the name does not say
        it)."""
        parts = [self.name] if self.name == self.architecture else [self.name, self.architecture]
        return " · ".join(
            [*parts, f"{self.accuracy:.2%}", *(["model unreadable"] if self.model_problem else [])]
        )


SHOWN_HYPERPARAMETERS = ("preset", "batch_size", "augment", "train_size", "seed")


def recorded_hyperparameters(meta: dict) -> dict:
    """The hyperparameters the runs table shows, from `metadata.json` (`hyperparameters`, or the top
    level for
    older runs); a key that no run recorded is simply absent."""
    recorded = meta.get("hyperparameters")
    recorded = recorded if isinstance(recorded, dict) else {}
    return {
        key: recorded.get(key, meta.get(key))
        for key in SHOWN_HYPERPARAMETERS
        if key in recorded or key in meta
    }


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
        hyperparameters=recorded_hyperparameters(meta),
    )


class Service(Answers):
    """Read-only access to the dataset, its statistics and the runs, cached."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def warm(self) -> None:
        """Load everything the pages need up front; raise `DataError`/`RunError` with the fix if it
        is broken."""
        _ = self.mnist, self.statistics, self.projection
        self.explainer(
            self.default_run()
        )  # compiles the default model's predictor and saliency functions
        self.test_suspects(
            self.default_run()
        )  # imports cleanlab (seconds) and finds the default run's suspects

    @cached_property
    def mnist(self) -> Mnist:
        """The dataset arrays (read-only)."""
        return load_mnist()

    @cached_property
    def statistics(self) -> DatasetStatistics:
        """Label counts and pixel statistics of the dataset."""
        return compute_statistics(self.mnist)

    @cached_property
    def projection(self) -> Projection:
        """The PCA and t-SNE projection of the sample of test images."""
        settings = self.settings
        return load_projection(
            settings.projection_size, settings.projection_seed, Path(settings.cache_dir)
        )

    @cached_property
    def _runs(self) -> RunCache:
        return RunCache(self.settings.runs_dir, self.mnist.y_test, explicit=self.settings.run)

    def run_names(self) -> list[str]:
        """Every complete run by name, sorted: the runs directory, listed now, plus an explicitly
        chosen run."""
        names = [path.name for path in list_runs(self.settings.runs_dir)]
        if self.settings.run is not None and Path(self.settings.run).name not in names:
            names.append(Path(self.settings.run).name)
        return names

    def default_run(self) -> str:
        """The preselected run: the one asked for, else the run store's default (`runs/DEFAULT`,
        else the first shipped run, else the first one found)."""
        if self.settings.run is not None:
            name = Path(self.settings.run).name
            self.entry(name)  # raises `RunError` with the fix if the chosen run is unreadable
            return name
        name = self._runs.store.default_name(self.run_names())
        if name is None:
            raise RunError(
                f"no trained run in {self.settings.runs_dir}; restore the shipped runs (git "
                "checkout -- runs) or train one with `python -m model.train`"
            )
        return name

    def entry(self, name: object) -> RunEntry:
        """Everything held about run `name`; `RunError` if it does not exist (any more) or is
        unreadable."""
        return self._runs.get(name)

    def run(self, name: object) -> Run:
        """The files of run `name`."""
        return self.entry(name).run

    def run_path(self, name: object) -> Path:
        """The directory of run `name` (checked to exist)."""
        return self.entry(name).path

    def predictions(self, name: object) -> Predictions:
        """The indexed test predictions of run `name`."""
        return self.entry(name).predictions

    def predictor(self, name: object) -> Predictor:
        """The warmed-up predictor of run `name`; `RunError` if the run or its model cannot be
        read."""
        return self.entry(name).predictor()

    def explainer(self, name: object) -> Explainer:
        """The saliency methods of run `name`'s model, compiled; `RunError` if it cannot be read."""
        return self.entry(name).explainer()

    def network(self, name: object) -> Network:
        """Run `name`'s model opened up: feature maps, filters, last hidden layer; `RunError` if
        unreadable."""
        return self.entry(name).network()

    def attacker(self, name: object) -> Attacker:
        """FGSM and PGD against run `name`'s model; `RunError` if unreadable."""
        return self.entry(name).attacker()

    def features_map(self, name: object) -> np.ndarray | None:
        """t-SNE coordinates of run `name`'s last hidden features of the projection's images; None
        while computed."""
        entry, settings = self.entry(name), self.settings
        where = (entry.path, Path(settings.cache_dir))
        file = insight.features_file(
            entry.digest(), settings.projection_size, settings.projection_seed
        )
        find = functools.partial(insight.find, file, *where, insight.read_features)
        compute = functools.partial(
            insight.load_features_map,
            *where,
            entry.network(),
            size=settings.projection_size,
            seed=settings.projection_seed,
            digest=entry.digest(),
        )
        return entry.derived("map of learned features", find, compute)

    def robustness(self, name: object) -> dict | None:
        """Run `name`'s accuracy against ε under FGSM and PGD (`model.insight.derived`); None while
        computed."""
        entry, size = self.entry(name), self.settings.robustness_size
        where = (entry.path, Path(self.settings.cache_dir))
        find = functools.partial(
            insight.find,
            insight.robustness_file(entry.digest(), size),
            *where,
            insight.read_robustness,
        )
        compute = functools.partial(
            insight.load_robustness, *where, entry.attacker(), size=size, digest=entry.digest()
        )
        return entry.derived("robustness curve", find, compute)

    def attack(self, name: object, image: np.ndarray, *, method: str, target: int | None) -> Attack:
        """The smallest ε at which `method` changes run `name`'s answer for `image` (or makes it
        `target`), memoized."""
        entry = self.entry(name)
        image = np.asarray(image, np.float32)
        read = int(self.answer(name, image, calibrated=False).probabilities.argmax())
        key = ("attack", image.tobytes(), method, target)
        return entry.memo(
            key,
            lambda: entry.attacker().smallest_epsilon(image, read, method=method, target=target),
        )

    def what_if(
        self, name: object, image: np.ndarray, settings: dict, *, calibrated: bool
    ) -> tuple[np.ndarray, Answer]:
        """`image` transformed by `settings` (model.insight.whatif) and run `name`'s answer for
        it."""
        changed = transform(image, **settings)
        return changed, self.answer(name, changed, calibrated=calibrated)

    def what_if_sweep(
        self, name: object, image: np.ndarray, settings: dict, *, calibrated: bool
    ) -> tuple[dict, dict]:
        """For each what-if setting, its values across its range and run `name`'s probabilities
        there (as `answer` gives them), one batch."""
        images = sweep(image, settings)
        probabilities = self.answer(name, images.images, calibrated=calibrated).probabilities
        return images.values, images.split(probabilities)

    def read_image(
        self, name: object, image: np.ndarray, *, number: bool = False
    ) -> list[Classification]:
        """Run `name`'s reading of `image`: its digit, or each digit of a number left to right; []
        if nothing is drawn. The probabilities are `answer`'s, raw."""
        model = self.run_model(name)
        try:
            return read_number(model, image).classifications if number else [classify(model, image)]
        except EmptyImageError:
            return []

    def probabilities(self, name: object, *, calibrated: bool) -> np.ndarray:
        """Run `name`'s test probabilities (n, 10): temperature-scaled if asked and calibrated, else
        raw."""
        return self.entry(name).probabilities(calibrated=calibrated)

    def temperature(self, name: object) -> float | None:
        """Run `name`'s fitted temperature; None when it is not calibrated."""
        return self.entry(name).temperature

    def cached(self, name: object, key: tuple, compute: Callable[[], T]) -> T:
        """`compute()` once per version of run `name` and `key` (a page's figures, say); then the
        stored value."""
        return self.entry(name).memo(("cached", *key), compute)

    def calibration(self, name: object) -> dict | None:
        """Run `name`'s calibration.json (temperature, NLL, ECE, MCE); None when it is not
        calibrated."""
        entry = self.entry(name)
        return entry.memo(("calibration",), lambda: read_calibration(entry.path))

    def reliability(self, name: object, *, calibrated: bool) -> Reliability:
        """Reliability bins of run `name` on the test set (calibrated only if the run is)."""
        return self.entry(name).reliability(calibrated=calibrated)

    def comparison(self, name_a: object, name_b: object) -> Comparison:
        """Run A against run B on the test set, computed once per pair of run versions."""
        a, b = self.entry(name_a), self.entry(name_b)
        return a.memo(
            ("compare", str(name_b), b.stamp),
            lambda: compare(self.mnist.y_test, a.run.probabilities, b.run.probabilities),
        )

    def best_other_run(self, name: object) -> str | None:
        """The most accurate readable run other than `name`; None when there is none."""
        others = [s for s in self.summaries() if s.name != name]
        return max(others, key=lambda s: (s.accuracy, s.name)).name if others else None

    def test_suspects(self, name: object) -> list[dict]:
        """Likely label errors of the test set by run `name`'s (out-of-sample) test probabilities,
        calibrated when
        the run is (model.trust.labels says why), computed once."""
        entry = self.entry(name)
        return entry.memo(
            ("suspects",),
            lambda: find_suspects(
                self.mnist.y_test, entry.probabilities(calibrated=True), split="test"
            ),
        )

    @cached_property
    def labels(self) -> LabelStore:
        """The label suspects and people's marks on them."""
        return LabelStore(self.settings.label_suspects, self.settings.label_marks)

    def summaries(self) -> list[RunSummary]:
        """A summary of every readable run, by name; an unreadable run is left out (and logged)."""
        summaries = []
        for name in self.run_names():
            try:
                entry = self.entry(name)
                summaries.append(replace(summarize(entry.run), model_problem=entry.model_problem()))
            except (RunError, KeyError, TypeError, ValueError) as error:
                log.warning("run %s left out of the run list: %s", name, error)
        return summaries

    def class_sample(self, digit: int, seed: int) -> np.ndarray:
        """Training indices of a gallery of `digit`, chosen with `seed`."""
        return class_sample(self.mnist.y_train, digit, self.settings.gallery_size, seed)


def attach(server: flask.Flask, service: Service) -> None:
    """Make `service` the one `current()` returns inside `server`'s requests."""
    server.extensions[EXTENSION_KEY] = service


def current() -> Service:
    """The service of the app handling the current request (layouts and callbacks run in one)."""
    return flask.current_app.extensions[EXTENSION_KEY]
