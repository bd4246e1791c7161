"""The run store (model/core/runs): names, the default and shipped runs, rename, delete, export,
the one atomic writer and the files of a run."""

from __future__ import annotations

import errno
import io
import json
import logging
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from model import config
from model.core.runs import (
    RUN_FILES,
    RunError,
    RunFiles,
    RunStore,
    WriteError,
    export_run_zip,
    load_run,
    locked,
    write_bytes,
    write_json,
    write_with,
)
from model.training import command as train_cli
from model.training import ensemble

SHIPPED_DEFAULT = "wide_cnn-strong"


@pytest.fixture
def store(tmp_path) -> RunStore:
    """A runs directory holding copies of two shipped runs' files (their real model files)."""
    for name in ("convnet", SHIPPED_DEFAULT):
        target = tmp_path / "runs" / name
        target.mkdir(parents=True)
        for file in RUN_FILES:
            shutil.copyfile(config.RUNS_DIR / name / file, target / file)
    return RunStore(tmp_path / "runs")


def test_the_shipped_default_is_named_by_runs_default_and_says_what_it_is():
    store = RunStore(config.RUNS_DIR)
    assert store.declared_default() == store.default_name() == SHIPPED_DEFAULT
    run = load_run(store.default_path())
    assert run.name == run.metadata["name"] == SHIPPED_DEFAULT
    assert (run.metadata["architecture"], run.metadata["preset"], run.metadata["seed"]) == (
        "wide_cnn",
        "strong",
        10,
    )
    assert store.shipped() == {"convnet", "ensemble", SHIPPED_DEFAULT}
    assert "deep_cnn" not in store.names()


def test_a_run_knows_every_file_of_its_directory():
    files = load_run(RunStore(config.RUNS_DIR).default_path()).files
    named = [files.model, files.history, files.evaluation, files.probabilities, files.metadata]
    named += [files.calibration, *files.derived()]
    on_disk = sorted(p for p in files.path.iterdir() if not p.name.startswith("."))
    assert sorted(named) == on_disk and len(files.derived()) == 2
    assert {p.suffix for p in files.derived()} == {".npz", ".json"}
    assert files.features(3000, 0, "k").name == "features-3000-0-k.npz"
    assert files.robustness(1000, "k").name == "robustness-1000-k.json"


def test_names_are_checked_once_and_resolved_in_the_root(store):
    assert store.path("convnet") == store.root / "convnet"
    assert store.files("convnet").model == store.root / "convnet" / "model.keras"
    for bad in ("../convnet", "", None, "a/b", "x\n", "a" * 65):
        with pytest.raises(ValueError, match="run name must be"):
            store.path(bad)


def test_without_default_file_the_first_shipped_run_is_the_default_and_it_is_logged(store, caplog):
    (store.root / "SHIPPED").write_text("# shipped\nabsent\nconvnet\n")
    with caplog.at_level(logging.WARNING):
        assert store.default_name() == "convnet"
    assert "names no run" in caplog.text
    (store.root / "DEFAULT").write_text("gone\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert store.default_name() == "convnet"
    assert "default run gone is not in" in caplog.text
    (store.root / "DEFAULT").write_text(f"{SHIPPED_DEFAULT}\n")
    assert store.default_path() == store.root / SHIPPED_DEFAULT
    (store.root / "SHIPPED").unlink()
    (store.root / "DEFAULT").unlink()
    assert store.default_name() == "convnet"  # no list at all: the first run


def test_an_empty_runs_directory_has_no_default(tmp_path):
    store = RunStore(tmp_path / "absent")
    assert store.names() == [] and store.default_name() is None
    with pytest.raises(RunError, match="no trained run"):
        store.default_path()


def test_shipped_runs_are_neither_renamed_nor_deleted(store):
    (store.root / "SHIPPED").write_text(f"{SHIPPED_DEFAULT}\n")
    for change in (
        lambda: store.rename(SHIPPED_DEFAULT, "other"),
        lambda: store.delete(SHIPPED_DEFAULT),
    ):
        with pytest.raises(RunError, match="ships with the project"):
            change()
    assert store.names() == ["convnet", SHIPPED_DEFAULT]


def test_rename_export_and_delete_through_the_store(store):
    renamed = store.rename("convnet", "mine")
    assert renamed == store.root / "mine" and load_run(renamed).metadata["name"] == "mine"
    with pytest.raises(RunError, match="already exists"):
        store.rename("mine", SHIPPED_DEFAULT)
    with zipfile.ZipFile(io.BytesIO(export_run_zip(renamed))) as archive:
        assert sorted(archive.namelist()) == sorted(f"mine/{name}" for name in RUN_FILES)
    store.delete("mine")
    assert store.names() == [SHIPPED_DEFAULT] and not list(store.root.glob(".*"))
    with pytest.raises(RunError, match="does not exist"):
        store.delete("mine")


def test_the_atomic_writer_leaves_the_old_file_when_writing_fails(tmp_path):
    target = write_json(tmp_path / "a" / "x.json", {"v": 1})
    assert json.loads(target.read_text()) == {"v": 1}

    def fail(temp: Path) -> None:
        temp.write_text("half")
        raise OSError(errno.ENOSPC, "disk full")

    with pytest.raises(WriteError, match="the disk is full"):
        write_with(target, fail)
    assert json.loads(target.read_text()) == {"v": 1} and sorted(target.parent.iterdir()) == [
        target
    ]
    write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}" and oct(target.stat().st_mode)[-3:] == "644"
    npz = write_with(tmp_path / "m.npz", lambda temp: np.savez_compressed(temp, a=np.ones(2)))
    assert sorted(tmp_path.iterdir()) == [tmp_path / "a", npz]


def test_the_file_lock_excludes_a_second_holder(tmp_path):
    with locked(tmp_path / ".lock"), pytest.raises(BlockingIOError):
        with locked(tmp_path / ".lock", wait=False):
            pass
    with locked(tmp_path / ".lock", wait=False):
        pass


def test_training_refuses_to_write_over_a_shipped_run_even_with_overwrite(store, capsys):
    (store.root / "SHIPPED").write_text(f"{SHIPPED_DEFAULT}\n")
    before = sorted(p.name for p in store.files(SHIPPED_DEFAULT).path.iterdir())
    out = str(store.path(SHIPPED_DEFAULT))
    with pytest.raises(SystemExit) as exited:
        train_cli.main(["--arch", "baseline", "--out", out, "--overwrite"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "ships with the project" in err and "even with --overwrite" in err
    assert sorted(p.name for p in store.files(SHIPPED_DEFAULT).path.iterdir()) == before
    assert train_cli.parse_args([]).out == config.RUNS_DIR / "wide_cnn"  # never the default run
    members = [str(store.path(name)) for name in ("convnet", SHIPPED_DEFAULT)]
    assert ensemble.main([*members, "--out", out, "--overwrite"]) == 2
    assert "cannot be written over" in capsys.readouterr().err


def test_run_files_report_what_a_directory_lacks(tmp_path):
    assert RunFiles(tmp_path).missing() == list(RUN_FILES)


OUTSIDE_THE_STORE = (
    # a runs directory joined with a name, or the old hard-coded default
    r"(RUNS_DIR|runs_dir|DEFAULT_RUN)\)? / [^A-Z ]|config\.DEFAULT_RUN"
    r"|\.parent / (check_run_name|new_name)",
    # a run file named
    r"\b(MODEL|METADATA|EVALUATION|HISTORY|PROBABILITIES|CALIBRATION|SHIPPED)_FILE\b"
    r'|"(model\.keras|metadata\.json|evaluation\.json|history\.csv|test_probabilities\.npy'
    r'|calibration\.json|SHIPPED|DEFAULT)"|f"(features|robustness)-',
    # an atomic write or a file lock of its own
    r"os\.replace\(|tempfile\.mkstemp\(",
)


def test_only_the_store_builds_run_paths_names_run_files_or_writes_atomically():
    import re

    found = []
    for package in ("model", "dashboard", "bench"):
        for path in sorted((config.PROJECT_ROOT / package).rglob("*.py")):
            if path.is_relative_to(config.PROJECT_ROOT / "model" / "core" / "runs"):
                continue
            text = path.read_text()
            found += [f"{path.name}: {p}" for p in OUTSIDE_THE_STORE if re.search(p, text)]
    assert found == []
