"""The service over real (tiny) runs, the shell, and the command line's answers to broken input."""

from __future__ import annotations

import shutil
import socket

import pytest

from dashboard.__main__ import main, parse_args
from dashboard.service import Service
from dashboard.settings import Settings
from dashboard.shell import run_options
from dashboard.shell.choice import resolve
from model import config
from model.core.runs import RunError
from tests.support.constants import RUN_NAMES


def test_runs_are_rescanned_so_a_new_run_appears(spare_runs_dir, cache_dir):
    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    assert list(service.run_names()) == list(RUN_NAMES)
    shutil.copytree(spare_runs_dir / RUN_NAMES[0], spare_runs_dir / "gamma")
    shutil.copytree(
        spare_runs_dir / RUN_NAMES[0], spare_runs_dir / ".delta.tmp"
    )  # in progress: hidden
    assert list(service.run_names()) == [*RUN_NAMES, "gamma"]
    assert service.run("gamma").evaluation == service.run(RUN_NAMES[0]).evaluation


def test_default_run_is_the_asked_one_else_the_first(spare_runs_dir, cache_dir):
    assert (
        Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir)).default_run()
        == RUN_NAMES[0]
    )
    chosen = Service(Settings(runs_dir=spare_runs_dir, run=spare_runs_dir / RUN_NAMES[1]))
    assert chosen.default_run() == RUN_NAMES[1]
    with pytest.raises(RunError, match="does not exist"):
        Service(Settings(runs_dir=spare_runs_dir, run=spare_runs_dir / "nope")).default_run()
    with pytest.raises(RunError, match="no trained run in"):
        Service(Settings(runs_dir=spare_runs_dir / "empty")).default_run()


def test_a_rewritten_run_is_read_again(spare_runs_dir, cache_dir):
    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    first = service.run(RUN_NAMES[0])
    target = spare_runs_dir / RUN_NAMES[0]
    shutil.rmtree(target)
    shutil.copytree(spare_runs_dir / RUN_NAMES[1], target)
    assert (
        service.run(RUN_NAMES[0]).metadata["architecture"]
        == "convnet"
        != first.metadata["architecture"]
    )
    shutil.rmtree(target)
    with pytest.raises(RunError, match="not in .* any more"):
        service.run(RUN_NAMES[0])


def test_summaries_skip_an_unreadable_run(spare_runs_dir, cache_dir):
    (spare_runs_dir / RUN_NAMES[1] / "evaluation.json").write_text("{ not json")
    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    summaries = service.summaries()
    assert [s.name for s in summaries] == [RUN_NAMES[0]]
    assert (
        summaries[0].architecture == "baseline"
        and summaries[0].epochs == 1
        and 0.5 < summaries[0].accuracy < 1
    )


def test_shell_lists_runs_and_explains_a_missing_one(service):
    options = run_options()
    assert [o["value"] for o in options] == list(RUN_NAMES)
    assert "baseline" in options[0]["label"] and "%" in options[0]["label"]
    assert resolve(RUN_NAMES[1]) == (RUN_NAMES[1], None)
    shown, message = resolve("vanished")
    assert shown == RUN_NAMES[0] and "“vanished” is not available any more" in message


def test_cli_reports_missing_data_in_one_line(monkeypatch, capsys, runs_dir, tmp_path):
    monkeypatch.setattr(config, "DATA_PATH", tmp_path / "mnist.npz")
    assert main(["--runs-dir", str(runs_dir), "--port", "8999"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mnist.npz is missing" in err and "Traceback" not in err


def test_cli_reports_missing_runs_and_a_broken_model_in_one_line(capsys, spare_runs_dir, tmp_path):
    assert main(["--runs-dir", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no trained run in") and err.count("\n") == 1
    (spare_runs_dir / RUN_NAMES[0] / "model.keras").write_bytes(b"not a zip")
    assert main(["--run", str(spare_runs_dir / RUN_NAMES[0])]) == 1
    err = capsys.readouterr().err
    assert (
        "model.keras is unreadable" in err
        and "python -m model.train" in err
        and err.count("\n") == 1
    )


def test_cli_checks_its_arguments(capsys):
    assert parse_args(["--port", "9000", "--debug"]) == Settings(port=9000, debug=True)
    with pytest.raises(SystemExit):
        parse_args(["--port", "70000"])
    assert "port must be between 1 and 65535, got 70000" in capsys.readouterr().err


def test_cli_refuses_a_busy_port_before_loading_anything(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port), "--runs-dir", "/nonexistent"]) == 1
    err = capsys.readouterr().err
    assert (
        err == f"error: cannot serve on 127.0.0.1:{port} (Address already in use); choose another "
        "--port or --host\n"
    )


def test_one_entry_per_run_holds_its_run_predictions_and_one_shared_model(
    spare_runs_dir, cache_dir
):
    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    entry = service.entry(RUN_NAMES[1])
    assert service.entry(RUN_NAMES[1]) is entry  # unchanged directory: the same entry
    assert (
        service.run(RUN_NAMES[1]) is entry.run
        and service.predictions(RUN_NAMES[1]) is entry.predictions
    )
    assert (
        service.explainer(RUN_NAMES[1]).model
        is service.predictor(RUN_NAMES[1]).model
        is entry.predictor().model
    )
    (spare_runs_dir / RUN_NAMES[1] / "extra.txt").write_text("a file added: the directory changed")
    fresh = service.entry(RUN_NAMES[1])
    assert fresh is not entry and fresh.run.evaluation == entry.run.evaluation


def test_a_name_is_resolved_without_listing_the_runs_directory(
    spare_runs_dir, cache_dir, monkeypatch
):
    from dashboard.service import service as service_module

    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    service.predictor(RUN_NAMES[1])
    listed = []
    monkeypatch.setattr(service_module, "list_runs", lambda root: listed.append(root) or [])
    for _ in range(3):
        service.predictor(RUN_NAMES[1])
        service.explainer(RUN_NAMES[1])
    assert listed == []
    for name in ("../convnet", "", None, 7, "a" * 200, "convnet\n"):
        with pytest.raises(RunError, match="no run called"):
            service.entry(name)


def test_a_run_that_vanishes_while_it_is_read_is_reported_gone_not_crashed(
    spare_runs_dir, cache_dir
):
    from dashboard.service.runs import read_entry

    service = Service(Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir))
    entry = service.entry(RUN_NAMES[1])
    (spare_runs_dir / RUN_NAMES[1]).rename(
        spare_runs_dir / "renamed_elsewhere"
    )  # after the name was resolved
    with pytest.raises(RunError, match="cannot be read any more"):
        entry.digest()
    with pytest.raises(RunError, match="not in .* any more"):
        read_entry(spare_runs_dir / RUN_NAMES[1], service.mnist.y_test)
