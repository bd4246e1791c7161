"""One training job: the process that trains a run while holding the training lock, and writes the
job's record (`model.training.job_record`) all along.

`python -m model.training.jobs CONFIG_JSON --job ID --owner OWNER [--parent PID]` is what the
app's launcher starts (dashboard/jobs/launcher.py: a thread of the server, or a Celery worker),
with the configuration in `TrainConfig.to_json` form. The process takes the lock of the runs
directory before it loads TensorFlow, writes the record (running, at 0%), rewrites it with each
progress report (each epoch, and every half second) and each heartbeat (every second), and last
with how the job ended: done (and the run), failed (and why) or cancelled. A cancel request naming
the job makes it write "cancelled" and exit at once, before its run is written; no run is left.
With `--parent`, Linux kills it when the thread that started it dies (`PR_SET_PDEATHSIG`): the
lock is released, and the record then reads as lost.

Exit codes: 0 trained, 1 failed (the record says why), 2 refused before it took the lock (the last
line of stderr says why, after "refused: "), 3 cancelled. A killed job leaves at most a hidden
temporary directory, which is never listed as a run and is cleaned up by the next job.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from model.core.mnist import DataError
from model.core.runs import RunError
from model.training.admission import TrainingBusyError, admitted_training
from model.training.job_record import (
    CANCEL_FILE,
    CANCELLED,
    DONE,
    FAILED,
    HEARTBEAT_SECONDS,
    cancel_requested,
    new_record,
    write_record,
)

EXIT_DONE, EXIT_FAILED, EXIT_REFUSED, EXIT_CANCELLED = 0, 1, 2, 3
REFUSED_PREFIX = "refused: "
REFUSALS = (TrainingBusyError, RunError, ValueError)  # raised before the lock is taken
CANCEL_POLL_SECONDS = 0.2  # how often the heartbeat thread looks for a cancel request
STALE_TEMPORARY_SECONDS = 600  # hidden temporary run directories this old belong to dead jobs
PR_SET_PDEATHSIG = 1

log = logging.getLogger(__name__)


class JobFailed(RuntimeError):
    """The admitted training failed; its record says why (this error's message)."""


def remove_stale_temporaries(
    runs_dir: Path | str, *, older_than: float = STALE_TEMPORARY_SECONDS
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


class _Job:
    """The record of the job this process runs: written by the training (progress), by a heartbeat
    thread, and at the end; one write at a time."""

    def __init__(self, runs_dir: Path, record: dict) -> None:
        self.runs_dir = runs_dir
        self.record = record
        self.lock = threading.Lock()
        self.cancellable = True  # until the fit ends: evaluating and saving the run are not cut
        self.stopped = threading.Event()

    def save(self, **changes) -> None:
        """Rewrite the record with `changes` and a fresh heartbeat."""
        with self.lock:
            self.record.update(changes, heartbeat=time.time())
            write_record(self.runs_dir, self.record)

    def report(self, progress: dict) -> None:
        self.save(progress=progress)

    def end_of_fit(self) -> None:
        with self.lock:
            self.cancellable = False

    def _cancel(self) -> None:
        """Write "cancelled" and exit this process at once: the run is not written."""
        with self.lock:
            if not self.cancellable:
                return
            now = time.time()
            message = f"the training of {self.record['run']} was stopped and nothing was saved"
            self.record.update(state=CANCELLED, message=message, finished=now, heartbeat=now)
            write_record(self.runs_dir, self.record)
            (self.runs_dir / CANCEL_FILE).unlink(missing_ok=True)
            log.info("job %s cancelled", self.record["job"])
            logging.shutdown()
            os._exit(EXIT_CANCELLED)

    def _beat(self) -> None:
        last = time.monotonic()
        while not self.stopped.wait(CANCEL_POLL_SECONDS):
            if self.cancellable and cancel_requested(self.runs_dir, self.record["job"]):
                self._cancel()
            if time.monotonic() - last >= HEARTBEAT_SECONDS:
                self.save()
                last = time.monotonic()

    @contextlib.contextmanager
    def beating(self) -> Iterator[None]:
        """Keep the heartbeat (and the ear for a cancel request) going for the block."""
        thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            self.stopped.set()
            thread.join()


def _peek(config_text: str) -> dict:
    """The configuration's fields as plain JSON: enough to take the lock before TensorFlow
    loads."""
    try:
        data = json.loads(config_text)
        Path(data["out"])
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a training configuration: {config_text[:200]!r}") from error
    return data


def _failure(error: BaseException) -> str:
    """Why a job failed, in one line for its record."""
    if isinstance(error, DataError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _train(config_text: str, job: _Job, every_seconds: float, report) -> Path:
    """Train the configuration, reporting progress into the record (and to `report`)."""
    # TensorFlow loads here, once the job holds the lock and its record says it is starting
    from model.training.fit import train
    from model.training.progress import Progress, first_report
    from model.training.settings import TrainConfig

    cfg = TrainConfig.from_json(config_text)

    def both(progress: dict) -> None:
        job.report(progress)
        if report is not None:
            report(progress)

    remove_stale_temporaries(cfg.out.parent)
    both(first_report(cfg.epochs))
    log.info("job started: %s (%s, %d epochs)", cfg.out, cfg.architecture, cfg.epochs)
    progress = Progress(both, cfg.epochs, every_seconds, on_end=job.end_of_fit)
    return train(cfg, callbacks=[progress], verbose=0)


def run_job(
    config_text: str,
    job: str,
    owner: str,
    *,
    every_seconds: float = 0.5,
    report: Callable[[dict], None] | None = None,
) -> Path:
    """Train the configuration `config_text` (`TrainConfig.to_json`) as job `job` of browser
    `owner`, under the training lock, keeping the record; return the run directory.

    Refusals, raised before anything is written: `ValueError` (bad configuration or run name),
    `TrainingBusyError`, `RunError` (name taken). Once admitted, a failure is written in the record
    and raised as `JobFailed`. `report`, if given, also gets each progress report.
    """
    data = _peek(config_text)
    out = Path(data["out"])
    with admitted_training(out):
        architecture, epochs = str(data.get("architecture", "")), int(data.get("epochs") or 0)
        record = new_record(job, owner, out.name, architecture, epochs)
        state = _Job(out.parent, record)
        state.save()
        try:
            with state.beating():
                run_dir = _train(config_text, state, every_seconds, report)
        except BaseException as error:
            state.save(state=FAILED, message=_failure(error), finished=time.time())
            log.info("job ended without a run: %s (%s)", out, type(error).__name__)
            raise JobFailed(_failure(error)) from error
        state.save(state=DONE, run=run_dir.name, finished=time.time())
        log.info("job ended: wrote %s", run_dir)
        return run_dir


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if the parent is already
    gone."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        raise SystemExit(EXIT_FAILED)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m model.training.jobs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("config", help="the training, as TrainConfig.to_json writes it")
    parser.add_argument("--job", required=True, help="the job's id")
    parser.add_argument("--owner", default="", help="who started it (a browser's id)")
    parser.add_argument("--parent", type=int, default=None, help="die with this process")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between reports")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one job as the command line says; the exit code says how it ended."""
    args = _parser().parse_args(argv)
    if args.parent is not None:
        _die_with_parent(args.parent)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        run_job(args.config, args.job, args.owner, every_seconds=args.every)
    except REFUSALS as error:
        print(f"{REFUSED_PREFIX}{error}", file=sys.stderr, flush=True)
        return EXIT_REFUSED
    except JobFailed:
        return EXIT_FAILED
    return EXIT_DONE


if __name__ == "__main__":
    sys.exit(main())
