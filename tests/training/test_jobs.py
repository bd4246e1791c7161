"""Training jobs (lock, progress, cancellation by kill) and run management (rename, delete,
export)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from model.config import PROJECT_ROOT
from model.core.runs import (
    RUN_FILES,
    RunError,
    delete_run,
    export_run_zip,
    list_runs,
    load_run,
    per_class_table,
    rename_run,
)
from model.training.fit import TrainConfig
from model.training.jobs import (
    TrainingBusyError,
    exclusive_training,
    is_training,
    remove_stale_temporaries,
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


def test_stale_temporaries_are_removed(tmp_path):
    stale = tmp_path / ".x.abc.tmp"
    stale.mkdir()
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".y.def.tmp"
    fresh.mkdir()
    assert remove_stale_temporaries(tmp_path) == [stale] and fresh.exists()


def test_rename_delete_and_export(tmp_path, tiny_run):
    copy = shutil.copytree(tiny_run, tmp_path / "first")
    renamed = rename_run(copy, "second")
    assert load_run(renamed).metadata["name"] == "second" and not copy.exists()
    with pytest.raises(ValueError, match="run name"):
        rename_run(renamed, "bad name/")
    shutil.copytree(tiny_run, tmp_path / "third")
    with pytest.raises(RunError, match="already exists"):
        rename_run(renamed, "third")
    (renamed / "calibration.json").write_text('{"temperature": 1.5}')
    (renamed / ".partial").write_text("hidden")
    (renamed / "elsewhere.txt").symlink_to(tmp_path / "third" / "metadata.json")
    archive = zipfile.ZipFile(io.BytesIO(export_run_zip(renamed)))
    assert sorted(archive.namelist()) == sorted(
        f"second/{name}" for name in (*RUN_FILES, "calibration.json")
    )
    assert archive.read("second/model.keras") == (renamed / "model.keras").read_bytes()
    assert list(per_class_table(load_run(renamed)).columns) == [
        "digit",
        "precision",
        "recall",
        "f1",
        "support",
    ]
    delete_run(renamed)
    assert [p.name for p in list_runs(tmp_path)] == ["third"] and sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["third"]
