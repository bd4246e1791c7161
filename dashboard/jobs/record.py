"""The record of a runs directory's current (or last) training: who started it, its progress, how it
ended.

One JSON file, `RUNS_DIR/.training-job.json`, written atomically by whatever runs the job (a thread
of the server process, or a Celery worker) and read by every server process: so every browser on
/train sees the same training, whichever worker answers it, and the browser that started it finds
it again after leaving the page. A cancel request is a second file naming the job, which the job
reads (so no two processes ever write the record at once). A running record whose heartbeat stopped
belongs to a job that died with its process (a killed server or worker): it reads as failed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from model.core.runs import write_json

log = logging.getLogger(__name__)
RECORD_FILE = ".training-job.json"
CANCEL_FILE = ".training-cancel"
START_LOCK = ".training-start.lock"
HEARTBEAT_SECONDS = 1.0  # how often a running job rewrites its record
STALE_SECONDS = 15.0  # a running record not rewritten for this long belongs to a dead job
RUNNING, DONE, FAILED, CANCELLED, REFUSED = "running", "done", "failed", "cancelled", "refused"


def read_record(runs_dir: Path) -> dict | None:
    """The record of `runs_dir`'s last training, or None if there was none (or it cannot be
    read)."""
    try:
        record = json.loads((Path(runs_dir) / RECORD_FILE).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("training record of %s unreadable: %s", runs_dir, error)
        return None
    return record if isinstance(record, dict) and isinstance(record.get("job"), str) else None


def write_record(runs_dir: Path, record: dict) -> None:
    """Replace the record of `runs_dir` atomically (readers see the old one or the new one)."""
    write_json(Path(runs_dir) / RECORD_FILE, record, indent=None)


@contextlib.contextmanager
def starting(runs_dir: Path) -> Iterator[None]:
    """Hold the start lock of `runs_dir`: checking that no job runs and writing a new record happen
    as one step."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(runs_dir / START_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def effective(record: dict | None, now: float | None = None) -> dict | None:
    """`record` as it stands: a running record whose heartbeat stopped reads as failed, with the
    likely cause."""
    if record is None or record.get("state") != RUNNING:
        return record
    if (now or time.time()) - float(record.get("heartbeat", 0)) <= STALE_SECONDS:
        return record
    return {
        **record,
        "state": FAILED,
        "message": record.get("death")
        or (
            "the process running it stopped without a word (the server or the worker was stopped "
            "or killed); "
            "no run was written"
        ),
    }


def is_running(runs_dir: Path) -> bool:
    """Whether a live job is training into `runs_dir` now."""
    record = effective(read_record(runs_dir))
    return record is not None and record["state"] == RUNNING


def request_cancel(runs_dir: Path, job: str) -> None:
    """Ask job `job` to stop (it checks at each heartbeat and kills its training process)."""
    (Path(runs_dir) / CANCEL_FILE).write_text(job)


def cancel_requested(runs_dir: Path, job: str) -> bool:
    """Whether someone asked job `job` to stop."""
    try:
        return (Path(runs_dir) / CANCEL_FILE).read_text() == job
    except OSError:
        return False
