"""Who may start a training: one admission check shared by the Train page and `python -m
model.train`.

A training is admitted when its run name is valid, no run of that name exists in its runs
directory (unless the caller asks to overwrite), and no other training holds the directory's lock.
The lock is an `fcntl` lock on `RUNS_DIR/.training.lock`, so it holds across processes (Dash
background workers, gunicorn and Celery workers on one machine, the command line) and the
operating system releases it when the process holding it dies. No Keras here: the check is cheap.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from model.core.runs import RunError, check_run_name

LOCK_FILE = ".training.lock"

log = logging.getLogger(__name__)


class TrainingBusyError(RuntimeError):
    """Another training holds the lock of this runs directory."""


@contextlib.contextmanager
def exclusive_training(runs_dir: Path | str) -> Iterator[None]:
    """Hold the training lock of `runs_dir` for the block; `TrainingBusyError` at once if it is
    taken."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(runs_dir / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise TrainingBusyError(
                f"another training is already running in {runs_dir}; wait for it to end or cancel "
                "it"
            ) from error
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


def check_run_free(out: Path | str, *, overwrite: bool = False) -> Path:
    """`out` as a `Path` if its name is valid and (unless `overwrite`) no run is there yet.

    `ValueError` for a bad name, `RunError` for a name taken.
    """
    out = Path(out)
    check_run_name(out.name)
    if out.exists() and not overwrite:
        raise RunError(
            f"a run called {out.name!r} already exists in {out.parent}; choose another name"
        )
    return out


@contextlib.contextmanager
def admitted_training(out: Path | str, *, overwrite: bool = False) -> Iterator[Path]:
    """Admit a training that will write run directory `out`, and hold its runs directory's lock
    meanwhile.

    Checks, in order: the name (`ValueError`), the lock (`TrainingBusyError`), and, under the lock
    so that no other training can take the name in between, that the name is free (`RunError`).
    """
    out = Path(out)
    check_run_name(out.name)
    with exclusive_training(out.parent):
        check_run_free(out, overwrite=overwrite)
        log.info("training admitted: %s (lock %s held)", out, out.parent / LOCK_FILE)
        yield out
    log.info("training lock released: %s", out.parent / LOCK_FILE)
