"""The Train page's trainings: the launcher and its training process, starting, following and
cancelling a job, the lock against renaming (the form: tests/unit/test_train_form.py; callbacks
that start nothing: tests/callbacks/test_train_page_callbacks.py).

Trainings here are tiny (1,024-5,000 images, baseline or convnet).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
from dash import no_update

from dashboard import ids
from dashboard.jobs.form import FIELDS
from dashboard.jobs.launcher import REFUSED, JobRefused, run_training_process, start_job
from dashboard.train import form_view, manage
from model.config import PROJECT_ROOT
from model.core.runs import list_runs, load_run
from model.training import job_record
from model.training.admission import exclusive_training, is_training
from model.training.settings import TrainConfig
from tests.support.callbacks import call
from tests.support.components import text
from tests.support.constants import TRAIN_FORM as FORM
from tests.support.disks import disk
from tests.support.traces import hidden_dirs, trainer_processes
from tests.support.waiting import until

TINY = {**FORM, "preset": None}  # the same training as a TrainConfig: custom is no preset
OWNER = {"id": "b" * 32, "announced": None}
FIELD_IDS = [{"type": ids.TRAIN_FIELD_ERROR, "field": field} for field in FIELDS if field != "name"]


@pytest.fixture
def app(train_app):
    """The app of these tests: over a private copy of the runs, with its own job cache."""
    return train_app


@pytest.fixture
def page(app):
    """The Train page module, with the app context pushed so that its callbacks can be called
    directly."""
    from dashboard.pages import train

    with app.server.app_context():
        yield train


# The training process.


def test_training_process_writes_its_record_and_the_run(train_runs):
    cfg = TrainConfig(**{**TINY, "out": train_runs / "sub"})
    assert run_training_process(cfg.to_json(), "job-1", "me") == {"state": "done", "message": ""}
    assert load_run(train_runs / "sub").metadata["epochs"] == 2 and not is_training(train_runs)
    record = job_record.job_status(train_runs)
    assert (record["job"], record["owner"], record["state"]) == ("job-1", "me", job_record.DONE)
    assert record["progress"]["fraction"] == 1 and len(record["progress"]["history"]) == 2


def test_training_process_relays_refusals_and_leaves_the_record_alone(train_runs):
    taken = TrainConfig(**{**TINY, "out": train_runs / "convnet"})
    outcome = run_training_process(taken.to_json(), "job-2", "me")
    assert outcome["state"] == REFUSED and "already exists" in outcome["message"]
    other = TrainConfig(**{**TINY, "out": train_runs / "other"})
    with exclusive_training(train_runs):
        outcome = run_training_process(other.to_json(), "job-3", "me")
    assert outcome["state"] == REFUSED and "already running" in outcome["message"]
    assert sorted(p.name for p in list_runs(train_runs)) == ["baseline", "convnet"]
    assert job_record.read_record(train_runs) is None


def _wait_for_training(runs_dir, seconds: float = 240) -> None:
    """Until a job's record in `runs_dir` shows a trained batch."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = job_record.job_status(runs_dir)
        if (
            record
            and record["state"] == job_record.RUNNING
            and (record["progress"] or {}).get("step")
        ):
            return
        time.sleep(0.1)
    raise TimeoutError(f"no training in {runs_dir}: {job_record.job_status(runs_dir)}")


def test_a_crashed_training_process_leaves_no_run_and_its_launcher_says_so(train_runs):
    cfg = TrainConfig(architecture="convnet", epochs=50, train_size=4096, out=train_runs / "crash")
    outcome: list[dict] = []
    thread = threading.Thread(
        target=lambda: outcome.append(run_training_process(cfg.to_json(), "job-4", "me"))
    )
    thread.start()
    _wait_for_training(train_runs)
    [process] = trainer_processes(train_runs)
    process.send_signal(signal.SIGKILL)
    thread.join(60)
    assert outcome[0]["state"] == job_record.FAILED
    assert "killed by signal SIGKILL" in outcome[0]["message"]
    record = job_record.job_status(train_runs)  # the launcher wrote it, under the lock
    assert record["state"] == job_record.FAILED and record["message"] == outcome[0]["message"]
    assert (
        not (train_runs / "crash").exists()
        and hidden_dirs(train_runs) == []
        and not is_training(train_runs)
    )


def test_training_process_dies_with_the_launcher_that_started_it(train_runs):
    script = (
        "import sys; from pathlib import Path; from model.training.settings import TrainConfig; "
        "from dashboard.jobs.launcher import run_training_process\n"
        "cfg = TrainConfig(architecture='convnet', epochs=50, train_size=4096, "
        "out=Path(sys.argv[1]))\n"
        "run_training_process(cfg.to_json(), 'job-5', 'me')\n"
    )
    launcher = subprocess.Popen(
        [sys.executable, "-c", script, str(train_runs / "orphan")],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        _wait_for_training(train_runs)
        launcher.send_signal(signal.SIGKILL)  # a killed server or Celery worker
        launcher.wait(30)
    finally:
        launcher.kill()
    deadline = time.monotonic() + 30
    while (
        trainer_processes(train_runs) or is_training(train_runs)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert trainer_processes(train_runs) == [] and not is_training(train_runs)
    assert not (train_runs / "orphan").exists() and hidden_dirs(train_runs) == []
    record = job_record.job_status(train_runs)
    assert record["state"] == job_record.LOST and "stopped without a word" in record["message"]


# Page callbacks, called directly.


def test_a_start_on_a_disk_that_refuses_the_record_says_why_and_leaves_nothing(
    tmp_path, monkeypatch
):
    with disk(tmp_path / "disk", "read-only", monkeypatch) as place:
        with exclusive_training(place.path):
            pass  # the lock file is there; a read-only disk still locks with it
        if place.mounted:
            place.break_()  # a real read-only disk
        else:  # no mounting here: the record's name is taken by a directory, which no file replaces
            (place.path / job_record.RECORD_FILE).mkdir()
        cfg = TrainConfig(**{**TINY, "out": place.path / "fresh"})
        with pytest.raises(JobRefused, match=r"could not write \.training-job\.json"):
            start_job(cfg, OWNER["id"])
        assert sorted(p.name for p in place.path.iterdir()) == sorted(
            [".training.lock", *([] if place.mounted else [job_record.RECORD_FILE])]
        )
        assert not is_training(place.path)


def start(page, owner=OWNER, **change):
    """Press Start with the tiny form, changed by `change`: (field messages, name message, form
    message)."""
    form = {**FORM, "augment": [], "name": "fresh", **change}
    return call(
        page.start_training,
        f"{ids.TRAIN_START}.n_clicks",
        1,
        form["preset"],
        form["architecture"],
        form["epochs"],
        form["batch_size"],
        form["train_size"],
        form["augment"],
        form["seed"],
        form["name"],
        owner,
        FIELD_IDS,
    )


def poll(page, owner=OWNER, seen=None):
    """One tick of the page's poll, as browser `owner` sees it: the outputs by name."""
    names = (
        "progress",
        "text",
        "box_hidden",
        "figure",
        "status",
        "cancel_off",
        "start_off",
        "seen",
        "changed",
        "owner",
    )
    return dict(zip(names, page.show_job(1, owner, seen), strict=False))


def wait_until_done(page, train_runs, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = job_record.job_status(train_runs)
        if job and job["state"] != job_record.RUNNING:
            return job
        time.sleep(0.5)
    raise TimeoutError("the training did not end")


def test_refused_trainings_say_why_next_to_the_field_and_start_nothing(page, train_runs):
    fields, name_message, message = start(page, name="convnet", epochs=0, batch_size=[1])
    by_field = dict(zip([i["field"] for i in FIELD_IDS], map(text, fields), strict=False))
    assert by_field["epochs"] == "Epochs must be a whole number from 1 to 100, got 0."
    assert by_field["batch_size"].startswith("Batch size must be one of 32, 64, 128, 256, got [1]")
    assert by_field["architecture"] == "" and "a run called 'convnet' already exists" in text(
        name_message
    )
    assert "correct the fields marked above" in text(message)
    with exclusive_training(train_runs):
        fields, _, message = start(page)
    assert "Not started: another training is already running" in text(message) and not any(
        map(text, fields)
    )
    assert sorted(p.name for p in list_runs(train_runs)) == ["baseline", "convnet"]
    assert job_record.read_record(train_runs) is None


def test_a_training_is_seen_by_all_cancelled_only_by_its_browser_and_announced_once(
    page, train_runs
):
    other = {"id": "c" * 32, "announced": None}
    assert "Started the training of direct" in text(start(page, name="direct", epochs=1)[2])
    assert "another training is already running" in text(start(page, name="second")[2])
    mine, theirs = poll(page), poll(page, other)
    assert not mine["box_hidden"] and not mine["cancel_off"] and mine["start_off"]
    assert (
        not theirs["box_hidden"]
        and theirs["cancel_off"]
        and "only that browser" in text(theirs["status"])
    )
    assert "was not started here" in text(
        call(page.cancel_training, f"{ids.TRAIN_CANCEL}.n_clicks", 1, other)
    )
    job = wait_until_done(page, train_runs)
    assert job["state"] == job_record.DONE and job["owner"] == OWNER["id"]
    until(  # the job's thread waits for its training process: no zombie is left
        lambda: not [c for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE],
        30,
        what="no zombie child",
    )
    mine = poll(page)
    assert "Trained direct: test accuracy" in text(mine["status"])
    assert form_view.suggest_next_name(mine["changed"], "baseline") == "baseline-2"
    assert mine["changed"]["select"] == "direct" and mine["owner"]["announced"] == job["job"]
    options, value = page.refresh_selector(mine["changed"])
    assert value == "direct" and [option["value"] for option in options] == [
        "baseline",
        "convnet",
        "direct",
    ]
    again = poll(page, mine["owner"], mine["seen"])
    assert (
        again["changed"] is no_update and again["figure"] is no_update
    )  # announced once, drawn once
    assert "Trained direct" in text(again["status"]) and "finished" in text(
        poll(page, other)["status"]
    )


def test_cancel_by_the_starting_browser_stops_the_training_and_leaves_nothing(page, train_runs):
    assert "Started" in text(start(page, name="stopped", epochs=50, train_size=4096)[2])
    deadline = time.monotonic() + 240
    while not is_training(train_runs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "Cancelling the training of stopped" in text(
        call(page.cancel_training, f"{ids.TRAIN_CANCEL}.n_clicks", 1, OWNER)
    )
    job = wait_until_done(page, train_runs, 60)
    assert job["state"] == job_record.CANCELLED and "Cancelled: the training of stopped" in text(
        poll(page)["status"]
    )
    deadline = time.monotonic() + 30
    while (
        is_training(train_runs) or trainer_processes(train_runs)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (train_runs / "stopped").exists() and hidden_dirs(train_runs) == []


def test_a_dead_job_reads_as_lost_at_once_and_the_page_says_it_failed(page, train_runs):
    record = job_record.new_record("job-1", "owner", "lost", "baseline", 2)
    job_record.write_record(train_runs, record)  # running, but nobody holds the lock
    job = job_record.job_status(train_runs)
    assert job["state"] == job_record.LOST and "stopped without a word" in job["message"]
    assert not job_record.is_running(train_runs)
    status = text(poll(page)["status"])
    assert "Training of lost failed: the process running it stopped without a word" in status
    with exclusive_training(train_runs):  # a training holds the lock: the record is its own...
        assert job_record.job_status(train_runs)["state"] == job_record.RUNNING
        stale = {**record, "heartbeat": time.time() - job_record.STALE_SECONDS - 1}
        job_record.write_record(train_runs, stale)  # ...unless its heartbeat stopped long ago
        assert job_record.job_status(train_runs)["state"] == job_record.LOST


def test_no_rename_while_a_training_runs(page, train_runs):
    with exclusive_training(train_runs):
        message, *_ = call(
            manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 1, None, "baseline", "mlp"
        )
    assert "a training is running" in text(message).lower() and (train_runs / "baseline").is_dir()
