"""Run one training in a fresh Python process and relay its progress, for a Train page job
(dashboard/jobs/runner.py).

TensorFlow is not fork-safe: a process forked from one that already ran TensorFlow (the server,
a Celery prefork worker) hangs in its first training step. So the job starts
`python -m dashboard.jobs.process`, which runs `model.training.jobs.run_training` (lock, progress,
atomic
run directory) and writes one JSON line per event on stdout; the job reads them. The training
process dies with the process that runs the job, the server or a Celery worker (Linux
`PR_SET_PDEATHSIG`), which releases the lock and leaves no run behind; Cancel kills it the same
way. It inherits no file descriptor but its pipes (`close_fds`), so a killed server's listening
socket is closed at once.

Usage (internal): `python -m dashboard.jobs.process CONFIG_JSON EVERY_SECONDS PARENT_PID`.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from model.config import PROJECT_ROOT
from model.core.mnist import DataError
from model.core.runs import RunError
from model.training.fit import TrainConfig
from model.training.jobs import TrainingBusyError, run_training

log = logging.getLogger(__name__)
EVENT = "mnist_trainer"  # the key of every line the training process writes for its parent
PR_SET_PDEATHSIG = 1
# Errors the training process reports by name; the parent raises them again with their message.
RELAYED_ERRORS: dict[str, type[Exception]] = {
    error.__name__: error for error in (TrainingBusyError, RunError, ValueError, DataError)
}


class TrainingFailed(RuntimeError):
    """The training process stopped without writing a run and without saying why (killed,
    crashed)."""


def config_json(cfg: TrainConfig) -> str:
    """`cfg` as a JSON object (the run directory as a string)."""
    return json.dumps({**asdict(cfg), "out": str(cfg.out)})


def config_from_json(text: str) -> TrainConfig:
    """The `TrainConfig` written by `config_json`."""
    data = json.loads(text)
    return TrainConfig(**{**data, "out": Path(data["out"])})


def _event(line: str) -> dict | None:
    """The event a stdout line carries, or None for any other output."""
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and EVENT in event else None


def _last_line(stream) -> str:
    stream.seek(0)
    lines = [
        line.strip() for line in stream.read().decode(errors="replace").splitlines() if line.strip()
    ]
    return lines[-1] if lines else ""


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    return f"exited with code {code}"


class TrainingCancelled(RuntimeError):
    """The training was stopped on request; its process was killed and no run was written."""


def _relay(stream, lines: queue.Queue) -> None:
    """Put each line of `stream` on `lines`, then None at its end (a thread, so the job can tick
    meanwhile)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _start(cfg: TrainConfig, every_seconds: float, errors) -> subprocess.Popen:
    """The training process: no inherited descriptors but its pipes, dying with this process."""
    command = [
        sys.executable,
        "-m",
        "dashboard.jobs.process",
        config_json(cfg),
        str(every_seconds),
        str(os.getpid()),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        close_fds=True,
    )


def train_in_process(
    cfg: TrainConfig,
    report: Callable[[dict], None],
    *,
    every_seconds: float = 0.5,
    tick: Callable[[int], bool] | None = None,
    tick_seconds: float = 1.0,
) -> Path:
    """Train `cfg` in a new Python process, calling `report` with each progress report; return the
    run directory.

    `tick(pid)` is called about every `tick_seconds` while the process runs; when it returns True
    the
    process is killed and `TrainingCancelled` raised. Raises what `run_training` raises
    (`TrainingBusyError`, `RunError`, `ValueError`, `DataError`) with its message, or
    `TrainingFailed`
    if the process died without a run.
    """
    outcome: dict | None = None
    log.info("training %s: starting its process", cfg.out)
    with tempfile.TemporaryFile() as errors:
        with _start(cfg, every_seconds, errors) as process:
            lines: queue.Queue = queue.Queue()
            threading.Thread(target=_relay, args=(process.stdout, lines), daemon=True).start()
            try:
                while True:
                    try:
                        line = lines.get(timeout=tick_seconds)
                    except queue.Empty:
                        line = ""
                    if line is None:
                        break
                    if tick is not None and tick(process.pid):
                        log.info("training %s: cancelled, killing its process", cfg.out)
                        process.kill()
                        raise TrainingCancelled(
                            f"the training of {cfg.out.name} was stopped and nothing was saved"
                        )
                    event = _event(line) if line else None
                    if event is None:
                        continue
                    if event[EVENT] == "progress":
                        report(event["report"])
                    else:
                        outcome = event
            except (
                BaseException
            ):  # the relay failed: stop the training rather than let it run unseen
                process.kill()
                raise
        if outcome is None:
            detail = _last_line(errors)
            log.warning(
                "training %s: process %s (%s)", cfg.out, _exit_reason(process.returncode), detail
            )
            raise TrainingFailed(
                f"the training process {_exit_reason(process.returncode)} before it finished; "
                f"no run was written{f' ({detail})' if detail else ''}"
            )
    if outcome[EVENT] == "error":
        log.info("training %s: refused (%s)", cfg.out, outcome["message"])
        raise RELAYED_ERRORS[outcome["error"]](outcome["message"])
    log.info("training %s: done", cfg.out)
    return Path(outcome["run"])


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if the parent is already
    gone."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        raise SystemExit(1)


def _emit(kind: str, **data) -> None:
    print(json.dumps({EVENT: kind, **data}), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Train the configuration given as JSON, writing progress and the outcome as JSON lines on
    stdout."""
    config_text, every_seconds, parent = argv if argv is not None else sys.argv[1:]
    _die_with_parent(int(parent))
    try:
        run = run_training(
            config_from_json(config_text),
            lambda report: _emit("progress", report=report),
            every_seconds=float(every_seconds),
        )
    except tuple(RELAYED_ERRORS.values()) as error:
        name = next(name for name, kind in RELAYED_ERRORS.items() if isinstance(error, kind))
        _emit("error", error=name, message=str(error))
        return 1
    _emit("done", run=str(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
