"""The app's cache of runs: one entry per run name, holding everything the pages need of that run.

One invalidation rule: an entry is valid while its run directory's stamp (inode, change times of
the directory and its model file) is unchanged. A run retrained, replaced, renamed or deleted
changes or removes the directory, so its entry is rebuilt or the run reported gone. A name is
resolved by the run store (model/core/runs) and a single `stat` of `RUNS_DIR/NAME`: the runs
directory is listed only to fill the run selector, never per request.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.core.calibration import Reliability, read_temperature, reliability, scale_if_calibrated
from model.core.error_index import Predictions, index_predictions
from model.core.predictor import Predictor, load_keras_model
from model.core.runs import (
    Run,
    RunError,
    RunFiles,
    RunStore,
    check_model_file,
    check_safe_model,
    load_run,
)
from model.insight.activations import Network
from model.insight.adversarial import Attacker
from model.insight.saliency import Explainer

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int]
ONE_AT_A_TIME = threading.Semaphore(1)  # long computations in the background run one after another
MEMO_SIZE = 64  # results kept per run by `RunEntry.memo`


def stamp_of(path: Path) -> Stamp:
    """What changes whenever a run directory is rewritten: its inode and mtime, and its model file's
    mtime."""
    directory = path.stat()
    try:
        model_mtime = RunFiles(path).model.stat().st_mtime_ns
    except FileNotFoundError:
        model_mtime = 0
    return directory.st_ino, directory.st_mtime_ns, model_mtime


@dataclass
class RunEntry:
    """One run as the app holds it: the run's files, its indexed test predictions, and (loaded on
    first use)
    its model behind a fast predictor and the saliency methods, which share that model."""

    path: Path
    stamp: Stamp
    run: Run
    predictions: Predictions
    temperature: float | None = None  # from calibration.json; None: the run is not calibrated
    _predictor: Predictor | None = None
    _explainer: Explainer | None = None
    _network: Network | None = None
    _attacker: Attacker | None = None
    _digest: str | None = None
    _derived: dict[str, Future] = field(default_factory=dict, repr=False)
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _model_error: str | None = None  # why the model cannot be loaded, once a check or a load failed
    _model_checked: bool = False

    def probabilities(self, *, calibrated: bool) -> np.ndarray:
        """The test probabilities, temperature-scaled when asked and the run is calibrated, else
        raw."""
        if not calibrated or self.temperature is None:
            return self.run.probabilities
        return self.memo(
            ("calibrated",), lambda: scale_if_calibrated(self.run.probabilities, self.temperature)
        )

    def reliability(self, *, calibrated: bool) -> Reliability:
        """The reliability bins of the test probabilities (raw or calibrated)."""
        probabilities = self.probabilities(calibrated=calibrated)
        return self.memo(
            ("reliability", calibrated and self.temperature is not None),
            lambda: reliability(self.predictions.labels, probabilities),
        )

    def predictor(self) -> Predictor:
        """The run's model behind a compiled, warmed-up predictor; `RunError` if the model file
        cannot be loaded.

        A failed load is remembered (until the run directory changes), so it is not tried again per
        request.
        """
        with self._lock:
            if self._model_error is not None:
                raise RunError(self._model_error)
            if self._predictor is None:
                try:
                    check_model_file(self.path)
                    self._predictor = Predictor(load_keras_model(self.path))
                except RunError as error:
                    self._model_error = str(error)
                    log.warning("run %s: %s", self.path.name, error)
                    raise
                log.info("loaded the model of run %s", self.path.name)
            return self._predictor

    def model_problem(self) -> str | None:
        """Why the run's model cannot be loaded, if known: a failed load, else the check of its file
        (done once)."""
        with self._lock:
            if self._model_error is None and self._predictor is None and not self._model_checked:
                self._model_checked = True
                try:
                    check_model_file(self.path)
                    check_safe_model(self.path)
                except RunError as error:
                    self._model_error = str(error)
            return self._model_error

    def explainer(self) -> Explainer:
        """The saliency methods of the run's model, compiled (the model is the predictor's)."""
        predictor = self.predictor()
        with self._lock:
            if self._explainer is None:
                self._explainer = Explainer(predictor.model)
            return self._explainer

    def _lazy(self, member: str, build: Callable[[], object]):
        """Member `member`, built by `build` on first use."""
        with self._lock:
            if getattr(self, member) is None:
                setattr(self, member, build())
            return getattr(self, member)

    def network(self) -> Network:
        """The run's model opened up (feature maps, filters, hidden layer), compiled."""
        model = self.predictor().model
        return self._lazy("_network", lambda: Network(model))

    def attacker(self) -> Attacker:
        """FGSM and PGD against the run's model, compiled."""
        model = self.predictor().model
        return self._lazy("_attacker", lambda: Attacker(model))

    def digest(self) -> str:
        """A hash of the run's model file, naming the files computed from it."""
        return self._lazy("_digest", self._read_digest)

    def _read_digest(self) -> str:
        try:
            return RunFiles(self.path).digest()
        except OSError as error:  # renamed or deleted since the entry was read
            raise RunError(
                f"the model file of run {self.path.name} cannot be read any more: {error}"
            ) from error

    def derived(self, kind: str, find: Callable[[], object], compute: Callable[[], object]):
        """What `find` reads (a file), else what `compute` returns once it has run in the
        background; None meanwhile.

        `compute` is started once per entry and `kind`; if it failed, `RunError` says why.
        """
        with self._lock:
            future = self._derived.get(kind)
        if future is None:
            future = self._start(kind, find, compute)
        if not future.done():
            return None
        if future.exception() is not None:
            log.warning("the %s of run %s failed: %s", kind, self.path.name, future.exception())
            raise RunError(
                f"the {kind} of run {self.path.name} could not be computed: {future.exception()}"
            )
        return future.result()

    def _start(
        self, kind: str, find: Callable[[], object], compute: Callable[[], object]
    ) -> Future:
        found = find()
        with self._lock:
            future = self._derived.get(kind)
            if future is None:
                future = self._derived[kind] = Future()
                if found is not None:
                    future.set_result(found)
                else:
                    threading.Thread(
                        target=_fill, args=(future, compute), name=f"compute {kind}", daemon=True
                    ).start()
        return future

    def memo(self, key: tuple, compute: Callable[[], object]):
        """`compute()`, remembered under `key` (the last `MEMO_SIZE` results)."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value


def _fill(future: Future, compute: Callable[[], object]) -> None:
    """Run `compute` (one at a time) and put its result or exception into `future`."""
    with ONE_AT_A_TIME:
        try:
            future.set_result(compute())
        except Exception as error:  # reported to the page by `RunEntry.derived`
            future.set_exception(error)
        except BaseException as error:  # the server stopping mid-computation: nothing to report
            log.info("derived computation stopped: %r", error)
            future.set_exception(RuntimeError("the server stopped before it was computed"))


def read_entry(path: Path, labels) -> RunEntry:
    """Read the run at `path` into a fresh entry; `RunError` naming what is wrong (also when it
    vanishes meanwhile)."""
    try:
        stamp = stamp_of(path)
    except (FileNotFoundError, NotADirectoryError) as error:
        raise RunError(
            f"run {path.name!r} is not in {path.parent} any more; pick another run"
        ) from error
    run = load_run(path)
    try:
        predictions = index_predictions(labels, run.probabilities)
    except ValueError as error:
        raise RunError(f"run directory {path} has unusable test probabilities: {error}") from error
    return RunEntry(path, stamp, run, predictions, read_temperature(path))


class RunCache:
    """Entries by run name, rebuilt when their directory changes, the least recently used dropped
    beyond `size`."""

    def __init__(
        self, runs_dir: Path, labels, *, explicit: Path | None = None, size: int = 8
    ) -> None:
        self.runs_dir = Path(runs_dir)
        self.store = RunStore(runs_dir)
        self.explicit = Path(explicit) if explicit is not None else None
        self._labels = labels
        self._size = size
        self._entries: OrderedDict[str, RunEntry] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, name: object) -> Path:
        """Where run `name` lives (the explicitly chosen run, else `runs_dir/name`); `RunError` for
        a bad name."""
        if self.explicit is not None and name == self.explicit.name:
            return self.explicit
        try:
            return self.store.path(name)
        except ValueError as error:
            raise RunError(
                f"there is no run called {str(name)[:80]!r}; pick another run"
            ) from error

    def get(self, name: object) -> RunEntry:
        """The valid entry of run `name`; `RunError` if the run does not exist (any more) or is
        unreadable."""
        path = self.path(name)
        try:
            stamp = stamp_of(path)
        except (FileNotFoundError, NotADirectoryError) as error:
            self._forget(str(name))
            if path == self.explicit:
                raise RunError(
                    f"run directory {path} does not exist; train one with "
                    f"`python -m model.train --out {path}`"
                ) from error
            raise RunError(
                f"run {name!r} is not in {self.runs_dir} any more; pick another run"
            ) from error
        with self._lock:
            entry = self._entries.get(str(name))
            if entry is not None and entry.stamp == stamp and entry.path == path:
                self._entries.move_to_end(str(name))
                return entry
        entry = read_entry(path, self._labels)
        with self._lock:
            if str(name) in self._entries:
                log.info("run %s changed on disk: read again", name)
            self._entries[str(name)] = entry
            self._entries.move_to_end(str(name))
            while len(self._entries) > self._size:
                dropped, _ = self._entries.popitem(last=False)
                log.info(
                    "run %s dropped from the cache (more than %d runs in use)", dropped, self._size
                )
        return entry

    def _forget(self, name: str) -> None:
        with self._lock:
            if self._entries.pop(name, None) is not None:
                log.info("run %s is gone: dropped from the cache", name)
