"""One admission check for training, shared by the app's job (`run_job`) and `python -m
model.train`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from model.config import PROJECT_ROOT
from model.core.runs import RunError, list_runs
from model.training import command as train_cli
from model.training.admission import (
    TrainingBusyError,
    admitted_training,
    is_training,
)
from model.training.fit import TrainConfig
from model.training.job_record import read_record
from model.training.jobs import run_job

HOLD_LOCK = (
    "import sys, time; from model.training.admission import exclusive_training\n"
    "with exclusive_training(sys.argv[1]):\n"
    "    print('locked', flush=True)\n"
    "    time.sleep(120)\n"
)


@pytest.fixture
def lock_held_elsewhere(tmp_path):
    """`tmp_path`, whose training lock another process holds for the test."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield tmp_path
    finally:
        holder.kill()
        holder.wait(30)


def test_cli_training_refuses_while_another_process_trains(lock_held_elsewhere, capsys):
    out = lock_held_elsewhere / "cli"
    code = train_cli.main(
        ["--arch", "baseline", "--epochs", "1", "--train-size", "512", "--out", str(out)]
    )
    assert code == 2 and "already running" in capsys.readouterr().err
    assert not out.exists() and list_runs(lock_held_elsewhere) == []


def test_app_training_refuses_while_another_process_trains(lock_held_elsewhere):
    cfg = TrainConfig(
        architecture="baseline", epochs=1, train_size=512, out=lock_held_elsewhere / "app"
    )
    with pytest.raises(TrainingBusyError, match="already running"):
        run_job(cfg.to_json(), "job", "owner")
    assert list_runs(lock_held_elsewhere) == [] and read_record(lock_held_elsewhere) is None


def test_lock_is_free_again_when_the_holder_dies(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert holder.stdout.readline().strip() == "locked" and is_training(tmp_path)
    holder.kill()
    holder.wait(30)
    assert not is_training(tmp_path)


def test_admission_takes_the_lock_then_checks_the_name_under_it(tmp_path):
    with pytest.raises(ValueError, match="run name"):
        with admitted_training(tmp_path / "bad\n"):
            pass
    (tmp_path / "taken").mkdir()
    with pytest.raises(RunError, match="already exists"):
        with admitted_training(tmp_path / "taken"):
            pass
    with admitted_training(tmp_path / "free") as out:
        assert out == tmp_path / "free" and is_training(tmp_path)
        with pytest.raises(TrainingBusyError):
            with admitted_training(tmp_path / "other"):
                pass
    assert not is_training(tmp_path)
    with admitted_training(tmp_path / "free"):  # while one trains, no other is even looked at
        with pytest.raises(TrainingBusyError):
            with admitted_training(tmp_path / "bad\n"):
                pass


def test_cli_refuses_a_taken_name_unless_told_to_overwrite(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert train_cli.main(["--arch", "baseline", "--out", str(tmp_path / "taken")]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err
