"""Every write on a disk that refuses it (full, read-only): a clear `WriteError`, nothing half
done, no temporary file left; a job found dead at start-up is marked failed; an export holds only
the run's own files; CSV cells never run as formulas."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile

import pandas as pd
import pytest

from model.config import PROJECT_ROOT
from model.core.runs import (
    RUN_FILES,
    WriteError,
    export_run_zip,
    load_run,
    locked,
    rename_run,
    write_json,
)
from model.core.spreadsheet import safe_cell, safe_table
from model.training import job_record
from model.training.admission import exclusive_training, is_training
from model.trust.label_marks import marks_csv, read_marks, set_mark
from tests.support.disks import disk

SHIPPED_RUN = PROJECT_ROOT / "runs" / "convnet"


def copy_run(target):
    """A copy of the shipped run's own files (not what was computed from it) at `target`."""
    target.mkdir()
    for name in RUN_FILES:
        shutil.copy(SHIPPED_RUN / name, target / name)
    return target


SAYS = {"full": "the disk is full", "read-only": "the disk is read-only"}


@pytest.fixture(params=["full", "read-only"])
def broken(request, tmp_path, monkeypatch):
    """A disk holding `record.json`, a run `first` and a marks file, about to refuse writes."""
    with disk(tmp_path / "disk", request.param, monkeypatch) as place:
        write_json(place.path / "record.json", {"v": 1})
        copy_run(place.path / "first")
        set_mark(place.path / "marks.json", "test", 3, "wrong")
        with locked(place.path / ".lock"):
            pass
        yield place


def _temporaries(place) -> list[str]:
    return sorted(p.name for p in place.path.rglob(".*") if not p.name.endswith(".lock"))


def test_a_refused_write_says_why_keeps_the_old_file_and_leaves_no_temporary(broken):
    before = _temporaries(broken)
    broken.break_()
    with pytest.raises(WriteError, match=SAYS[broken.kind]):
        write_json(broken.path / "record.json", {"v": 2})
    with pytest.raises(WriteError, match=SAYS[broken.kind]):
        job_record.write_record(broken.path, {"job": "a", "state": "running"})
    with pytest.raises(WriteError, match=SAYS[broken.kind]):
        set_mark(broken.path / "marks.json", "test", 4, "right")
    assert json.loads((broken.path / "record.json").read_text()) == {"v": 1}
    assert list(read_marks(broken.path / "marks.json")) == ["test:3"]
    assert _temporaries(broken) == before == []


def test_a_rename_whose_metadata_cannot_be_written_is_renamed_back(broken):
    broken.break_()
    with pytest.raises(WriteError, match=SAYS[broken.kind]):
        rename_run(broken.path / "first", "second")
    assert not (broken.path / "second").exists()
    assert load_run(broken.path / "first").metadata["name"] != "second"
    assert _temporaries(broken) == []


def test_the_training_lock_still_locks_on_a_read_only_disk(tmp_path, monkeypatch):
    with disk(tmp_path / "disk", "read-only", monkeypatch) as place:
        with exclusive_training(place.path):
            pass  # the lock file exists from here on
        place.break_()
        assert not is_training(place.path)
        with exclusive_training(place.path):
            assert is_training(place.path)


def test_a_job_whose_process_died_with_the_last_server_is_failed_at_start_up(tmp_path):
    record = job_record.new_record("dead", "owner", "run", "convnet", 2)
    job_record.write_record(tmp_path, record)
    assert job_record.job_status(tmp_path)["state"] == job_record.LOST
    settled = job_record.settle_dead_job(tmp_path)
    assert settled["state"] == job_record.FAILED and "started again" in settled["message"]
    assert job_record.job_status(tmp_path)["state"] == job_record.FAILED


def test_a_job_that_holds_the_lock_is_left_running_at_start_up(tmp_path):
    job_record.write_record(tmp_path, job_record.new_record("alive", "o", "run", "convnet", 2))
    with exclusive_training(tmp_path):
        assert job_record.settle_dead_job(tmp_path)["state"] == job_record.RUNNING


def test_an_export_holds_only_the_runs_own_files(tmp_path):
    run = copy_run(tmp_path / "run")
    outside = tmp_path / "secret.txt"
    outside.write_text("not the run's")
    os.link(outside, run / "calibration.json.bak")
    os.link(outside, run / "calibration.json")  # a known name, but a link to a file elsewhere
    (run / "notes.txt").write_text("unknown")
    (run / "robustness-100-abc.json").write_text("{}")
    names = zipfile.ZipFile(io.BytesIO(export_run_zip(run))).namelist()
    assert sorted(names) == sorted(f"run/{n}" for n in (*RUN_FILES, "robustness-100-abc.json"))


def test_csv_cells_that_could_be_formulas_are_neutralised(tmp_path):
    assert [safe_cell(v) for v in ("=1+1", "+1", "-x", "@a", "\tb", "\rc", "ok", -1.5, 3)] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@a",
        "'\tb",
        "'\rc",
        "ok",
        -1.5,
        3,
    ]
    table = safe_table(pd.DataFrame({"=a": ["=HYPERLINK(1)", "x"], "n": [-1, 2]}))
    assert list(table.columns) == ["'=a", "n"] and table.iloc[0].tolist() == ["'=HYPERLINK(1)", -1]
    marks = tmp_path / "marks.json"
    marks.write_text(json.dumps({"test:3": {"verdict": "=cmd|' /C calc'!A0", "time": "@now"}}))
    row = {"split": "test", "index": 3, "given": 5, "suggested": 3, "score": 0.01}
    (exported,) = csv.DictReader(io.StringIO(marks_csv([row], read_marks(marks))))
    assert exported["verdict"] == "'=cmd|' /C calc'!A0" and exported["marked_at"] == "'@now"
