"""A run directory on disk, with no training: incomplete runs are refused, a failed write keeps the
old run, stale temporaries go, rename, delete and export."""

from __future__ import annotations

import errno
import io
import os
import shutil
import time
import zipfile

import pytest

from model.core.runs import (
    RUN_FILES,
    RunError,
    delete_run,
    export_run_zip,
    list_runs,
    load_run,
    per_class_table,
    rename_run,
    write_run,
)
from model.training.jobs import remove_stale_temporaries


def test_failed_write_keeps_the_old_run(tiny_run, tmp_path):
    def fail(directory):
        (directory / "model.keras").write_text("half written")
        raise OSError(errno.ENOSPC, "disk full")

    copy = shutil.copytree(tiny_run, tmp_path / "copy")
    with pytest.raises(RunError, match="could not write copy.*the disk is full"):
        write_run(copy, fail)
    assert load_run(copy).evaluation["accuracy"] > 0.85
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]
    with pytest.raises(RunError, match="incomplete"):
        write_run(tmp_path / "new", lambda d: (d / "model.keras").write_text("only this"))
    assert list_runs(tmp_path) == [copy]


def test_list_and_load_refuse_incomplete_runs(tmp_path):
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "metadata.json").write_text("{}")
    (tmp_path / ".hidden.tmp").mkdir()
    assert list_runs(tmp_path) == [] and list_runs(tmp_path / "absent") == []
    with pytest.raises(RunError, match="incomplete: missing model.keras"):
        load_run(tmp_path / "partial")
    with pytest.raises(RunError, match="does not exist"):
        load_run(tmp_path / "absent")


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
