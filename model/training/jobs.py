"""One training at a time per runs directory, with live progress reports (used by the Train page).

Admission (valid name, name free, lock free) is `model.training.admission`, shared with `python -m
model.train`;
its names are re-exported here. A killed job leaves at most a hidden temporary directory, which is
never listed as a run and is cleaned up by the next job.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from model.training.admission import (
    LOCK_FILE,
    TrainingBusyError,
    admitted_training,
    exclusive_training,
    is_training,
)
from model.training.fit import TrainConfig, train

__all__ = [
    "LOCK_FILE",
    "TrainingBusyError",
    "exclusive_training",
    "is_training",
    "remove_stale_temporaries",
    "run_training",
]

STALE_SECONDS = 600  # hidden temporary run directories older than this belong to dead jobs

Report = Callable[[dict], None]

log = logging.getLogger(__name__)


def remove_stale_temporaries(
    runs_dir: Path | str, *, older_than: float = STALE_SECONDS
) -> list[Path]:
    """Delete hidden temporary run directories left by killed jobs; return what was removed."""
    removed = []
    for child in Path(runs_dir).glob(".*"):
        if child.is_dir() and (
            child.name.endswith(".tmp") or ".old-" in child.name or ".deleted-" in child.name
        ):
            if time.time() - child.stat().st_mtime > older_than:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
                log.info("removed %s: a temporary directory left by a dead job", child)
    return removed


def _progress_callback(report: Report, epochs: int, every_seconds: float):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports {epoch, epochs, step, steps, fraction, history} at most every `every_seconds`,
        and per epoch."""

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
            report(
                {
                    "epoch": self.epoch + 1,
                    "epochs": epochs,
                    "step": step,
                    "steps": steps,
                    "fraction": min(fraction, 1.0),
                    "history": list(self.history),
                }
            )

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() - self.last >= every_seconds:
                self._send(batch + 1, self.params.get("steps") or 1)

        def on_epoch_end(self, epoch, logs=None):
            self.history.append(
                {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
            )
            steps = self.params.get("steps") or 1
            self._send(steps, steps)

    return Progress()


def run_training(cfg: TrainConfig, report: Report, *, every_seconds: float = 0.5) -> Path:
    """Train `cfg` while holding the lock of its runs directory, reporting progress; return the run
    directory.

    Admission as `model.training.admission.admitted_training`: `ValueError` for a bad run name,
    `TrainingBusyError` if another training runs, `RunError` if the run name is taken.
    """
    with admitted_training(cfg.out):
        remove_stale_temporaries(cfg.out.parent)
        report(
            {
                "epoch": 0,
                "epochs": cfg.epochs,
                "step": 0,
                "steps": 0,
                "fraction": 0.0,
                "history": [],
            }
        )
        log.info("job started: %s (%s, %d epochs)", cfg.out, cfg.architecture, cfg.epochs)
        try:
            run_dir = train(
                cfg, callbacks=[_progress_callback(report, cfg.epochs, every_seconds)], verbose=0
            )
        except BaseException as error:
            log.info("job ended without a run: %s (%s)", cfg.out, error.__class__.__name__)
            raise
        log.info("job ended: wrote %s", run_dir)
        return run_dir
