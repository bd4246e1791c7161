"""Training jobs: lock, progress, refusals, cancellation by kill (run management without training:
tests/unit/test_runs_on_disk.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from model.config import PROJECT_ROOT
from model.core.runs import (
    RunError,
    list_runs,
    load_run,
)
from model.training.fit import TrainConfig
from model.training.jobs import (
    TrainingBusyError,
    exclusive_training,
    is_training,
    run_training,
)


def tiny(out, **overrides) -> TrainConfig:
    return TrainConfig(
        **{"architecture": "baseline", "epochs": 2, "train_size": 1024, "out": out, **overrides}
    )


def test_progress_is_reported_and_the_run_written(tmp_path):
    reports = []
    run_dir = run_training(tiny(tmp_path / "job"), reports.append, every_seconds=0.0)
    fractions = [r["fraction"] for r in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert [len(r["history"]) for r in reports][-1] == 2
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(reports[-1]["history"][-1])
    assert load_run(run_dir).metadata["epochs"] == 2 and not is_training(tmp_path)


def test_second_training_is_refused_while_one_runs(tmp_path):
    with exclusive_training(tmp_path):
        assert is_training(tmp_path)
        with pytest.raises(TrainingBusyError, match="already running"):
            run_training(tiny(tmp_path / "second"), lambda report: None)
    assert list_runs(tmp_path) == []


def test_taken_or_bad_names_are_refused(tmp_path, tiny_run):
    shutil.copytree(tiny_run, tmp_path / "taken")
    with pytest.raises(RunError, match="already exists"):
        run_training(tiny(tmp_path / "taken"), lambda report: None)
    with pytest.raises(ValueError, match="run name"):
        run_training(tiny(tmp_path / "bad name!"), lambda report: None)


def test_killed_job_leaves_no_run_and_releases_the_lock(tmp_path):
    script = (
        "import sys; from pathlib import Path; from model.training.jobs import run_training; from "
        "model.training.settings import TrainConfig\n"
        "cfg = TrainConfig(architecture='convnet', epochs=50, train_size=4096, "
        "out=Path(sys.argv[1]))\n"
        "run_training(cfg, lambda r: print('progress', r['fraction'], flush=True))\n"
    )
    job = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "killed")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert job.stdout.readline().startswith("progress")
        assert is_training(tmp_path)
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
    finally:
        job.kill()
    assert not is_training(tmp_path) and list_runs(tmp_path) == []
    assert not (tmp_path / "killed").exists()
