"""The record of a runs directory's current (or last) training job, and the request to cancel it.

One JSON file, `RUNS_DIR/.training-job.json`, written only by the process that holds the
directory's training lock (`model.training.admission`): the training process itself, while it
trains, and a launcher that found its training process dead and took the lock to say so. Every
server process and worker reads it, so every browser sees the same training.

How a job stands is decided from the record and the lock together:
- "running": the record says so and the lock is held;
- "done", "failed", "cancelled": the record says how the job ended;
- "lost": the record says running but the lock is free (the process died without a word: killed,
  or its server or worker was), or the lock is held by another training while the record's
  heartbeat stopped (a training from the command line took the directory after the job died).

A cancel request is a second file naming the job; the training process reads it at each heartbeat.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

from model.core.runs import RunError, write_bytes, write_json
from model.training.admission import TrainingBusyError, exclusive_training, is_training

log = logging.getLogger(__name__)
RECORD_FILE = ".training-job.json"
CANCEL_FILE = ".training-cancel"
HEARTBEAT_SECONDS = 1.0  # how often a running job rewrites its record
# a running record whose heartbeat is this old, while another training holds the lock, is dead
STALE_SECONDS = 15.0
RUNNING, DONE, FAILED, CANCELLED, LOST = "running", "done", "failed", "cancelled", "lost"
ENDED = (DONE, FAILED, CANCELLED, LOST)
SILENT_DEATH = (
    "the process running it stopped without a word (the server or the worker was stopped or "
    "killed); no run was written"
)


def new_record(job: str, owner: str, run: str, architecture: str, epochs: int) -> dict:
    """The record of job `job` (started by browser `owner`) just admitted: running, at 0%."""
    now = time.time()
    return {
        "job": job,
        "owner": owner,
        "run": run,
        "architecture": architecture,
        "epochs": epochs,
        "state": RUNNING,
        "progress": None,
        "message": "",
        "started": now,
        "heartbeat": now,
        "finished": None,
        "host": socket.gethostname(),
    }


def read_record(runs_dir: Path) -> dict | None:
    """The record as written in `runs_dir`, or None if there is none (or it cannot be read)."""
    try:
        record = json.loads((Path(runs_dir) / RECORD_FILE).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("training record of %s unreadable: %s", runs_dir, error)
        return None
    return record if isinstance(record, dict) and isinstance(record.get("job"), str) else None


def write_record(runs_dir: Path, record: dict) -> None:
    """Replace the record of `runs_dir` atomically; only the holder of the training lock calls
    this."""
    write_json(Path(runs_dir) / RECORD_FILE, record)


def job_status(runs_dir: Path, now: float | None = None) -> dict | None:
    """The last job of `runs_dir` as it stands (its "state" one of running, done, failed,
    cancelled, lost), or None."""
    record = read_record(runs_dir)
    if record is None or record.get("state") != RUNNING:
        return record
    if not is_training(runs_dir):
        # read again: the job may have ended and let go of the lock since the first read
        record = read_record(runs_dir)
        if record is None or record.get("state") != RUNNING:
            return record
        return {**record, "state": LOST, "message": SILENT_DEATH}
    if (now or time.time()) - float(record.get("heartbeat", 0)) > STALE_SECONDS:
        return {**record, "state": LOST, "message": SILENT_DEATH}
    return record


def is_running(runs_dir: Path) -> bool:
    """Whether a live job is training into `runs_dir` now."""
    record = job_status(runs_dir)
    return record is not None and record["state"] == RUNNING


def record_death(runs_dir: Path, job: str, message: str) -> bool:
    """Say in the record that job `job` died (`message`), if it still reads as running; whether it
    was written.

    Taken under the training lock, like every write of the record: if another training already
    holds it, that training owns the record and nothing is written.
    """
    try:
        with exclusive_training(runs_dir):
            record = read_record(runs_dir)
            if record is None or record["job"] != job or record.get("state") != RUNNING:
                return False
            write_record(
                runs_dir, {**record, "state": FAILED, "message": message, "finished": time.time()}
            )
            return True
    except TrainingBusyError:
        return False


def settle_dead_job(runs_dir: Path) -> dict | None:
    """At start-up: write "failed" in a record that says running while no process holds the lock
    (its process died with the last server); the record as it stands then, or None."""
    record = read_record(runs_dir)
    if record is None or record.get("state") != RUNNING or is_training(runs_dir):
        return record
    job, message = record["job"], f"{SILENT_DEATH}; found when the app started again"
    try:
        if record_death(runs_dir, job, message):
            log.warning("job %s of %s was dead at start-up: marked failed", job, runs_dir)
    except RunError as error:
        log.warning("job %s was dead at start-up but cannot be marked failed: %s", job, error)
    return read_record(runs_dir)


def request_cancel(runs_dir: Path, job: str) -> None:
    """Ask job `job` to stop (its training process checks at each heartbeat, then exits);
    `WriteError` if the disk refuses the request."""
    write_bytes(Path(runs_dir) / CANCEL_FILE, job.encode())


def cancel_requested(runs_dir: Path, job: str) -> bool:
    """Whether someone asked job `job` to stop."""
    try:
        return (Path(runs_dir) / CANCEL_FILE).read_text() == job
    except OSError:
        return False
