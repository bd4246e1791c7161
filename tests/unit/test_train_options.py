"""The training command's options and run names, checked without training."""

from __future__ import annotations

import pytest

from model.core.runs import RunError, check_run_name
from model.training.admission import check_run_free, new_run_dir
from model.training.command import parse_args


def test_options_are_checked():
    cfg = parse_args(
        ["--arch", "convnet", "--epochs", "3", "--no-augment", "--train-size", "500", "--out", "x"]
    )
    assert (cfg.architecture, cfg.epochs, cfg.augment, cfg.train_size) == ("convnet", 3, False, 500)
    assert parse_args([]).augment is True
    for bad in (["--epochs", "0"], ["--train-size", "10"], ["--arch", "resnet"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_names_are_checked_whole(tmp_path):
    assert check_run_name("deep_cnn-2.v1") == "deep_cnn-2.v1"
    for bad in ("run\n", "\nrun", "a b", "", ".hidden", "x" * 65, "a/b", None):
        with pytest.raises(ValueError, match="run name"):
            check_run_name(bad)
    (tmp_path / "taken").mkdir()
    with pytest.raises(RunError, match="already exists"):
        check_run_free(tmp_path / "taken")
    assert check_run_free(tmp_path / "taken", overwrite=True) == tmp_path / "taken"


def test_a_typed_name_is_one_free_name_in_the_runs_directory(tmp_path):
    (tmp_path / "taken").mkdir()
    assert new_run_dir(tmp_path, " fresh ") == tmp_path / "fresh"
    for empty in ("", "  ", None):
        with pytest.raises(ValueError, match="run name is empty"):
            new_run_dir(tmp_path, empty)
    for bad in ("a/b", "../x", "/etc", ".", "..", "a/"):
        with pytest.raises(ValueError, match="run name must be"):
            new_run_dir(tmp_path, bad)
    with pytest.raises(RunError, match="already exists"):
        new_run_dir(tmp_path, "taken")
