"""Start the Train page's trainings: a thread of the server (default), or a Celery worker (with a
Redis URL), starts the training process `python -m model.training.jobs` and waits for it.

The training process owns everything else (model/training/jobs.py): the lock, the admission, the
job's record with its progress and heartbeat, cancellation. TensorFlow is not fork-safe, so it is
always a fresh Python process; it dies with the thread that started it (Linux
`PR_SET_PDEATHSIG`), so a killed server or worker releases the lock and leaves no run; it inherits
no file descriptor (`close_fds`), so a killed server's listening socket is closed at once. When the
process dies without a word but its launcher lives, the launcher says so in the record
(`record_death`, under the lock).

`start_job` waits until the process has taken the lock and written the job's record (a second or
two: it does so before loading TensorFlow), so a refusal (another training took the lock first, the
name was just taken) reaches the browser that pressed Start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future

from model.config import PROJECT_ROOT
from model.training.admission import is_training
from model.training.job_record import (
    CANCELLED,
    DONE,
    FAILED,
    read_record,
    record_death,
    request_cancel,
)
from model.training.jobs import EXIT_CANCELLED, EXIT_DONE, EXIT_FAILED, EXIT_REFUSED, REFUSED_PREFIX
from model.training.settings import TrainConfig

log = logging.getLogger(__name__)
TASK_NAME = "mnist_explorer.train"
REFUSED = "refused"  # how `run_training_process` says the process did not take the lock
ADMISSION_SECONDS = 60.0  # how long Start waits for the process (or a Celery worker) to take it
CAUSE_SECONDS = 8.0  # how long a poll waits for Celery to say why a job just lost died (slow
# under load: 3 s was not always enough for the worker-lost verdict on 2 busy cores)
FRESH_LOSS_SECONDS = 10.0  # a lost job whose heartbeat is younger than this died a moment ago
BUSY = "another training is already running on this server; wait for it to end"


class JobRefused(RuntimeError):
    """The training did not start (another one runs, the name was taken, no worker took it)."""


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _last_line(stream) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else ""


def _command(config_text: str, job: str, owner: str) -> list[str]:
    """The training process's command line: the configuration passed once, as JSON."""
    return [
        sys.executable,
        "-m",
        "model.training.jobs",
        config_text,
        "--job",
        job,
        "--owner",
        owner,
        "--parent",
        str(os.getpid()),
    ]


def _environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_training_process(config_text: str, job: str, owner: str) -> dict:
    """Run job `job`'s training process and wait for it to end; how it ended, as {"state",
    "message"}.

    Call it from the thread that waits (Linux kills the process when the thread that started it
    ends). The Celery task of the Train page.
    """
    runs_dir = TrainConfig.from_json(config_text).out.parent
    log.info("job %s: starting its training process in %s", job, runs_dir)
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(
            _command(config_text, job, owner),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            cwd=PROJECT_ROOT,
            env=_environment(),
            close_fds=True,
        ) as process:
            code = process.wait()
        last = _last_line(errors)
    outcomes = {EXIT_DONE: DONE, EXIT_FAILED: FAILED, EXIT_CANCELLED: CANCELLED}
    if code in outcomes:
        return {"state": outcomes[code], "message": ""}
    if code == EXIT_REFUSED and last.startswith(REFUSED_PREFIX):
        return {"state": REFUSED, "message": last.removeprefix(REFUSED_PREFIX)}
    message = (
        f"the training process {_exit_reason(code)} before it finished; no run was written"
        f"{f' ({last})' if last else ''}"
    )
    log.warning("job %s: %s", job, message)
    record_death(runs_dir, job, message)
    return {"state": FAILED, "message": message}


def _in_thread(config_text: str, job: str, owner: str) -> Callable[[], dict | None]:
    """Run the process from a thread of this server; a function giving its outcome once known."""
    outcome: Future = Future()

    def wait() -> None:
        try:
            outcome.set_result(run_training_process(config_text, job, owner))
        # whatever stopped the launcher (even SystemExit), Start hears of it
        except BaseException as error:  # noqa: BLE001
            # the thread ends here, and its training process with it (PR_SET_PDEATHSIG)
            log.warning("job %s: the launcher stopped: %r", job, error)
            outcome.set_result({"state": FAILED, "message": f"{type(error).__name__}: {error}"})

    threading.Thread(target=wait, name=f"training-{job[:8]}", daemon=True).start()
    return lambda: outcome.result() if outcome.done() else None


def _in_celery(celery_app, config_text: str, job: str, owner: str) -> Callable[[], dict | None]:
    """Send the job to a Celery worker; a function giving its outcome once the worker is done."""
    result = celery_app.send_task(TASK_NAME, args=(config_text, job, owner), task_id=job)

    def outcome() -> dict | None:
        if not result.ready():
            return None
        if result.successful():
            return result.result
        return {"state": FAILED, "message": f"its Celery worker reported {result.result!r}"}

    return outcome


def start_job(cfg: TrainConfig, owner: str, *, celery_app=None) -> str:
    """Start training `cfg` for browser `owner` and wait until it holds the lock; its job id.

    `JobRefused` (saying why) if another training runs or the process refused to start.
    """
    runs_dir = cfg.out.parent
    if is_training(runs_dir):
        raise JobRefused(BUSY)
    job = uuid.uuid4().hex
    config_text = cfg.to_json()
    if celery_app is not None:
        ended = _in_celery(celery_app, config_text, job, owner)
    else:
        ended = _in_thread(config_text, job, owner)
    deadline = time.monotonic() + ADMISSION_SECONDS
    while time.monotonic() < deadline:
        outcome = ended()  # before the record: a process that ended and never wrote it was refused
        record = read_record(runs_dir)
        if record is not None and record["job"] == job:
            log.info("training %s started for %s (job %s)", cfg.out, owner[:8], job)
            return job
        if outcome is not None:
            raise JobRefused(outcome.get("message") or "the training process ended at once")
        time.sleep(0.05)
    request_cancel(runs_dir, job)  # should it start later, it stops at once
    if celery_app is not None:
        celery_app.control.revoke(job)
    raise JobRefused(
        f"the training did not start within {ADMISSION_SECONDS:.0f} s"
        f"{' (is a Celery worker running?)' if celery_app is not None else ''}"
    )


def register_task(celery_app) -> None:
    """Make `run_training_process` a task of `celery_app` (its workers run the trainings)."""
    celery_app.task(name=TASK_NAME)(run_training_process)


def death_cause(celery_app, job: dict) -> str | None:
    """Why Celery says the lost `job` (a `job_status`) ended, when it knows (a worker killed, an
    exception), else None.

    A job lost a moment ago waits up to `CAUSE_SECONDS` for Celery's word: the training process
    dies with its worker at once, while Celery records the worker's death a little later.
    """
    if celery_app is None:
        return None
    from celery.exceptions import TimeoutError as CeleryTimeout  # Celery only with a Redis URL

    try:
        result = celery_app.AsyncResult(job["job"])
        if time.time() - float(job.get("heartbeat") or 0) < FRESH_LOSS_SECONDS:
            with contextlib.suppress(CeleryTimeout):
                result.get(timeout=CAUSE_SECONDS, propagate=False)
        if result.state == "FAILURE":
            return f"its Celery worker reported {type(result.result).__name__}: {result.result}"
    except Exception as error:  # noqa: BLE001 - the broker may be gone too; the page still answers
        log.warning("no Celery state for job %s: %s", job["job"], error)
    return None
