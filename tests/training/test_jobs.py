"""Training jobs: the process, its lock, record, progress, cancel request and death (run
management without training: tests/unit/test_runs_on_disk.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from model.config import PROJECT_ROOT
from model.core.runs import (
    RunError,
    list_runs,
    load_run,
)
from model.training.admission import TrainingBusyError, exclusive_training, is_training
from model.training.job_record import (
    CANCELLED,
    DONE,
    LOST,
    RUNNING,
    job_status,
    read_record,
    request_cancel,
)
from model.training.jobs import EXIT_CANCELLED, run_job
from model.training.settings import TrainConfig


def tiny(out, **overrides) -> TrainConfig:
    return TrainConfig(
        **{"architecture": "baseline", "epochs": 2, "train_size": 1024, "out": out, **overrides}
    )


def test_progress_is_reported_into_the_record_and_the_run_written(tmp_path):
    reports = []
    run_dir = run_job(
        tiny(tmp_path / "job").to_json(), "job-1", "me", every_seconds=0.0, report=reports.append
    )
    fractions = [r["fraction"] for r in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert [len(r["history"]) for r in reports][-1] == 2
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(reports[-1]["history"][-1])
    assert load_run(run_dir).metadata["epochs"] == 2 and not is_training(tmp_path)
    record = job_status(tmp_path)
    assert (record["job"], record["owner"], record["state"], record["run"]) == (
        "job-1",
        "me",
        DONE,
        "job",
    )
    assert record["progress"] == reports[-1] and record["finished"] >= record["started"]


def test_second_training_is_refused_while_one_runs_and_writes_no_record(tmp_path):
    with exclusive_training(tmp_path):
        assert is_training(tmp_path)
        with pytest.raises(TrainingBusyError, match="already running"):
            run_job(tiny(tmp_path / "second").to_json(), "job-2", "me")
    assert list_runs(tmp_path) == [] and read_record(tmp_path) is None


def test_taken_or_bad_names_are_refused(tmp_path, tiny_run):
    shutil.copytree(tiny_run, tmp_path / "taken")
    with pytest.raises(RunError, match="already exists"):
        run_job(tiny(tmp_path / "taken").to_json(), "job-3", "me")
    with pytest.raises(ValueError, match="run name"):
        run_job(tiny(tmp_path / "bad name!").to_json(), "job-4", "me")
    with pytest.raises(ValueError, match="not a training configuration"):
        run_job('{"epochs": 2}', "job-5", "me")
    assert read_record(tmp_path) is None


def _job_process(cfg: TrainConfig, job: str) -> subprocess.Popen:
    """`python -m model.training.jobs` training `cfg` as job `job`."""
    return subprocess.Popen(
        [sys.executable, "-m", "model.training.jobs", cfg.to_json(), "--job", job],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def _wait_for_progress(runs_dir, job: subprocess.Popen, seconds: float = 240) -> dict:
    """The job's record once it reports a trained batch; `TimeoutError` if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and job.poll() is None:
        record = job_status(runs_dir)
        if record and record["state"] == RUNNING and (record["progress"] or {}).get("step"):
            return record
        time.sleep(0.1)
    raise TimeoutError(f"no progress: {job_status(runs_dir)}")


def test_killed_job_leaves_no_run_releases_the_lock_and_reads_as_lost(tmp_path):
    cfg = tiny(tmp_path / "killed", architecture="convnet", epochs=50, train_size=4096)
    job = _job_process(cfg, "job-k")
    try:
        _wait_for_progress(tmp_path, job)
        assert is_training(tmp_path)
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
    finally:
        job.kill()
    assert not is_training(tmp_path) and list_runs(tmp_path) == []
    assert not (tmp_path / "killed").exists()
    record = job_status(tmp_path)  # no heartbeat timeout: the free lock says it at once
    assert record["state"] == LOST and "stopped without a word" in record["message"]


def test_a_cancel_request_stops_the_job_and_leaves_nothing(tmp_path):
    cfg = tiny(tmp_path / "cancelled", architecture="convnet", epochs=50, train_size=4096)
    job = _job_process(cfg, "job-c")
    try:
        _wait_for_progress(tmp_path, job)
        request_cancel(tmp_path, "job-other")  # another job's request is not this one's
        request_cancel(tmp_path, "job-c")
        assert job.wait(timeout=30) == EXIT_CANCELLED
    finally:
        job.kill()
    record = job_status(tmp_path)
    assert record["state"] == CANCELLED and "nothing was saved" in record["message"]
    assert not is_training(tmp_path) and list_runs(tmp_path) == []
    assert not (tmp_path / "cancelled").exists()
