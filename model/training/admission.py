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
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from model.core.runs import RunError, RunStore, WriteError, check_run_name, locked

LOCK_FILE = ".training.lock"
# `is_training` holds the lock for an instant: a training that finds it taken tries again this long
PROBE_SECONDS = 0.2

log = logging.getLogger(__name__)


class TrainingBusyError(RuntimeError):
    """Another training holds the lock of this runs directory."""


@contextlib.contextmanager
def exclusive_training(runs_dir: Path | str) -> Iterator[None]:
    """Hold the training lock of `runs_dir` for the block; `TrainingBusyError` if it stays taken for
    `PROBE_SECONDS` (an `is_training` probe holds it for an instant)."""
    runs_dir = Path(runs_dir)
    deadline = time.monotonic() + PROBE_SECONDS
    with contextlib.ExitStack() as held:
        while True:
            try:
                held.enter_context(locked(runs_dir / LOCK_FILE, wait=False))
                break
            except BlockingIOError as error:
                if time.monotonic() >= deadline:
                    raise TrainingBusyError(
                        f"another training is already running in {runs_dir}; wait for it to end "
                        "or cancel it"
                    ) from error
            time.sleep(0.01)
        yield


def is_training(runs_dir: Path | str) -> bool:
    """True while some process holds the training lock of `runs_dir` (a probe: it never waits)."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return False
    try:
        with locked(runs_dir / LOCK_FILE, wait=False):
            return False
    except BlockingIOError:
        return True
    except WriteError:  # no lock file, and none can be made (a read-only disk): nobody holds it
        return False


def check_run_free(out: Path | str, *, overwrite: bool = False) -> Path:
    """`out` as a `Path` if its name is valid and (unless `overwrite`) no run is there yet: the one
    check of a new run's name.

    `ValueError` for a bad name, `RunError` for a name taken.
    """
    out = Path(out)
    check_run_name(out.name)
    if out.exists() and not overwrite:
        raise RunError(
            f"a run called {out.name!r} already exists in {out.parent}; choose another name"
        )
    return out


def new_run_dir(runs_dir: Path | str, name: str | None) -> Path:
    """The directory in `runs_dir` of a new run typed as `name` (stripped), checked by
    `check_run_free`.

    `ValueError` for an empty or bad name, `RunError` for a name taken.
    """
    name = (name or "").strip()
    if not name:
        raise ValueError("run name is empty: give the new run a name")
    return check_run_free(RunStore(runs_dir).path(name))


@contextlib.contextmanager
def admitted_training(out: Path | str, *, overwrite: bool = False) -> Iterator[Path]:
    """Admit a training that will write run directory `out`, and hold its runs directory's lock
    meanwhile.

    Takes the lock (`TrainingBusyError`), then checks under it, so that no other training can take
    the name in between, that the name is valid (`ValueError`) and free (`RunError`).
    """
    out = Path(out)
    with exclusive_training(out.parent):
        check_run_free(out, overwrite=overwrite)
        log.info("training admitted: %s (lock %s held)", out, out.parent / LOCK_FILE)
        yield out
    log.info("training lock released: %s", out.parent / LOCK_FILE)
