"""One training at a time per runs directory, with live progress reports (used by the Train page).

The lock is an `fcntl` lock on `RUNS_DIR/.training.lock`, so it holds across processes (Dash
background workers, gunicorn workers, Celery workers on one machine) and is released by the
operating system when a cancelled job's process is killed. A killed job leaves at most a hidden
temporary directory, which is never listed as a run and is cleaned up by the next job.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from model.runs import RunError, check_run_name
from model.train import TrainConfig, train

LOCK_FILE = ".training.lock"
STALE_SECONDS = 600  # hidden temporary run directories older than this belong to dead jobs

Report = Callable[[dict], None]


class TrainingBusyError(RuntimeError):
    """Another training holds the lock of this runs directory."""


@contextlib.contextmanager
def exclusive_training(runs_dir: Path | str) -> Iterator[None]:
    """Hold the training lock of `runs_dir` for the block; `TrainingBusyError` at once if it is taken."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(runs_dir / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingBusyError(
                "another training is already running on this server; wait for it to end or cancel it"
            ) from None
        yield
    finally:
        os.close(handle)


def is_training(runs_dir: Path | str) -> bool:
    """True while some process holds the training lock of `runs_dir`."""
    try:
        with exclusive_training(runs_dir):
            return False
    except TrainingBusyError:
        return True


def remove_stale_temporaries(runs_dir: Path | str, *, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete hidden temporary run directories left by killed jobs; return what was removed."""
    removed = []
    for child in Path(runs_dir).glob(".*"):
        if child.is_dir() and (child.name.endswith(".tmp") or ".old-" in child.name or ".deleted-" in child.name):
            if time.time() - child.stat().st_mtime > older_than:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed


def _progress_callback(report: Report, epochs: int, every_seconds: float):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports {epoch, epochs, step, steps, fraction, history} at most every `every_seconds`, and per epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.history: list[dict] = []
            self.epoch = 0
            self.last = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def _send(self, step: int, steps: int) -> None:
            self.last = time.monotonic()
            fraction = (self.epoch + step / max(steps, 1)) / epochs
            report({"epoch": self.epoch + 1, "epochs": epochs, "step": step, "steps": steps,
                    "fraction": min(fraction, 1.0), "history": list(self.history)})

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() - self.last >= every_seconds:
                self._send(batch + 1, self.params.get("steps") or 1)

        def on_epoch_end(self, epoch, logs=None):
            self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
            steps = self.params.get("steps") or 1
            self._send(steps, steps)

    return Progress()


def run_training(cfg: TrainConfig, report: Report, *, every_seconds: float = 0.5) -> Path:
    """Train `cfg` while holding the lock of its runs directory, reporting progress; return the run directory.

    `TrainingBusyError` if another training runs; `RunError` if the run name is taken.
    """
    check_run_name(cfg.out.name)
    with exclusive_training(cfg.out.parent):
        if cfg.out.exists():
            raise RunError(f"a run called {cfg.out.name!r} already exists; choose another name")
        remove_stale_temporaries(cfg.out.parent)
        report({"epoch": 0, "epochs": cfg.epochs, "step": 0, "steps": 0, "fraction": 0.0, "history": []})
        return train(cfg, callbacks=[_progress_callback(report, cfg.epochs, every_seconds)], verbose=0)
