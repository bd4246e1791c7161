"""Start, run and cancel the Train page's trainings: one job per runs directory, known to every
server process.

`start_job` checks that no job runs and writes its record in one step (the start lock), then runs
`run_job` in a thread of the server process (default) or sends it to a Celery worker (with a Redis
URL). `run_job` starts the training process (dashboard/jobs/process.py, which dies with the process
that runs the job), keeps the record up to date (progress, a heartbeat, how it ended) and kills the
training when a cancel request names the job. The page only reads the record
(dashboard/jobs/record.py).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from pathlib import Path

from dashboard.jobs import record as records
from dashboard.jobs.process import (
    TrainingCancelled,
    TrainingFailed,
    config_from_json,
    config_json,
    train_in_process,
)
from model.core.mnist import DataError
from model.core.runs import RunError
from model.training.fit import TrainConfig
from model.training.jobs import TrainingBusyError, is_training

log = logging.getLogger(__name__)
TASK_NAME = "mnist_explorer.train"
REFUSED = (TrainingBusyError, RunError, ValueError)


class JobBusy(RuntimeError):
    """A training already runs in this runs directory."""


def new_record(cfg: TrainConfig, job: str, owner: str, *, celery: bool) -> dict:
    """The record of a job just started: running, at 0%."""
    now = time.time()
    return {
        "job": job,
        "owner": owner,
        "run": cfg.out.name,
        "architecture": cfg.architecture,
        "epochs": cfg.epochs,
        "state": records.RUNNING,
        "progress": None,
        "message": "",
        "started": now,
        "heartbeat": now,
        "finished": None,
        "host": socket.gethostname(),
        "celery": celery,
        "pid": None,
    }


class _Job:
    """What `run_job` keeps between the reports of the training process: the record and when it was
    last written."""

    def __init__(self, runs_dir: Path, job_record: dict) -> None:
        self.runs_dir = runs_dir
        self.record = job_record
        self.written = 0.0

    def save(self, **changes) -> None:
        self.record.update(changes, heartbeat=time.time())
        current = records.read_record(self.runs_dir)
        if current is not None and current["job"] != self.record["job"]:
            # a newer job took the runs directory (ours was reported dead): leave its record alone
            return
        records.write_record(self.runs_dir, self.record)
        self.written = time.monotonic()

    def report(self, progress: dict) -> None:
        self.save(progress=progress)

    def tick(self, pid: int) -> bool:
        if (
            self.record["pid"] != pid
            or time.monotonic() - self.written >= records.HEARTBEAT_SECONDS
        ):
            self.save(pid=pid)
        return records.cancel_requested(self.runs_dir, self.record["job"])


def run_job(config_text: str, job_record: dict) -> dict:
    """Run the training of `config_text` (a `config_json`) as the job `job_record` describes; return
    its last record."""
    cfg = config_from_json(config_text)
    job = _Job(cfg.out.parent, dict(job_record))
    job.save()
    try:
        run_dir = train_in_process(cfg, job.report, tick=job.tick)
    except TrainingCancelled as error:
        job.save(state=records.CANCELLED, message=str(error), finished=time.time())
    except REFUSED as error:
        job.save(state=records.REFUSED, message=str(error), finished=time.time())
    except (TrainingFailed, DataError) as error:
        job.save(state=records.FAILED, message=str(error), finished=time.time())
    except BaseException as error:  # noqa: BLE001 - whatever stopped the job, the record says so
        job.save(
            state=records.FAILED,
            message=f"the job stopped: {type(error).__name__}: {error}",
            finished=time.time(),
        )
        raise
    else:
        job.save(state=records.DONE, run=run_dir.name, finished=time.time())
    return job.record


def start_job(cfg: TrainConfig, owner: str, *, celery_app=None) -> dict:
    """Start training `cfg` for browser `owner`; its record. `JobBusy` if a training runs in its
    runs directory."""
    runs_dir = cfg.out.parent
    job = uuid.uuid4().hex
    with records.starting(runs_dir):
        if records.is_running(runs_dir) or is_training(runs_dir):
            raise JobBusy("another training is already running on this server; wait for it to end")
        job_record = new_record(cfg, job, owner, celery=celery_app is not None)
        records.write_record(runs_dir, job_record)
    if celery_app is not None:
        celery_app.send_task(TASK_NAME, args=(config_json(cfg), job_record), task_id=job)
    else:
        threading.Thread(
            target=run_job,
            args=(config_json(cfg), job_record),
            name=f"training-{job[:8]}",
            daemon=True,
        ).start()
    log.info("training %s started for %s (job %s)", cfg.out, owner[:8], job)
    return job_record


def register_task(celery_app) -> None:
    """Make `run_job` a task of `celery_app` (its workers run the trainings)."""
    celery_app.task(name=TASK_NAME)(run_job)


def death_cause(celery_app, job: str) -> str | None:
    """Why Celery says job `job` ended, when it knows (a worker killed, an exception), else None."""
    if celery_app is None:
        return None
    try:
        result = celery_app.AsyncResult(job)
        if result.state == "FAILURE":
            return f"its Celery worker reported {type(result.result).__name__}: {result.result}"
    except Exception as error:  # noqa: BLE001 - the broker may be gone too; the page still answers
        log.warning("no Celery state for job %s: %s", job, error)
    return None
