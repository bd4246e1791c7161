"""The Train page's trainings: the training subprocess, starting, following and cancelling a job,
the lock against renaming (the form: tests/unit/test_train_form.py; callbacks that start nothing:
tests/callbacks/test_train_page_callbacks.py).

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

from dashboard import ids
from dashboard.jobs import record as records
from dashboard.jobs.form import FIELDS
from dashboard.jobs.process import TrainingFailed, train_in_process
from dashboard.jobs.runner import new_record
from model.config import PROJECT_ROOT
from model.core.runs import RunError, list_runs, load_run
from model.training.fit import TrainConfig
from model.training.jobs import TrainingBusyError, exclusive_training, is_training
from tests.support.callbacks import call
from tests.support.components import text
from tests.support.constants import TRAIN_FORM as FORM
from tests.support.traces import hidden_dirs, trainer_processes
from tests.support.waiting import until

TINY = {**FORM, "preset": None}  # the same training as a TrainConfig: custom is no preset


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


def test_training_process_reports_progress_and_writes_the_run(train_runs):
    reports = []
    run_dir = train_in_process(
        TrainConfig(**{**TINY, "out": train_runs / "sub"}), reports.append, every_seconds=0.0
    )
    assert run_dir == train_runs / "sub" and load_run(run_dir).metadata["epochs"] == 2
    assert [r["fraction"] for r in reports] == sorted(r["fraction"] for r in reports) and reports[
        -1
    ]["fraction"] == 1
    assert len(reports[-1]["history"]) == 2 and not is_training(train_runs)


def test_training_process_relays_refusals(train_runs):
    with pytest.raises(RunError, match="already exists"):
        train_in_process(
            TrainConfig(**{**TINY, "out": train_runs / "convnet"}), lambda report: None
        )
    with exclusive_training(train_runs), pytest.raises(TrainingBusyError, match="already running"):
        train_in_process(TrainConfig(**{**TINY, "out": train_runs / "other"}), lambda report: None)
    assert sorted(p.name for p in list_runs(train_runs)) == ["baseline", "convnet"]


def test_a_crashed_training_process_leaves_no_run(train_runs):
    cfg = TrainConfig(architecture="convnet", epochs=50, train_size=4096, out=train_runs / "crash")
    started = threading.Event()
    outcome: list[BaseException] = []

    def job():
        try:
            train_in_process(cfg, lambda report: started.set())
        except BaseException as error:  # noqa: BLE001 - the test looks at it
            outcome.append(error)

    thread = threading.Thread(target=job)
    thread.start()
    assert started.wait(120)
    [process] = trainer_processes(train_runs)
    process.send_signal(signal.SIGKILL)
    thread.join(60)
    assert isinstance(outcome[0], TrainingFailed) and "killed by signal SIGKILL" in str(outcome[0])
    assert (
        not (train_runs / "crash").exists()
        and hidden_dirs(train_runs) == []
        and not is_training(train_runs)
    )


def test_training_process_dies_with_the_job_that_started_it(train_runs):
    script = (
        "import sys; from pathlib import Path; from model.training.settings import TrainConfig; "
        "from dashboard.jobs.process import train_in_process\n"
        "cfg = TrainConfig(architecture='convnet', epochs=50, train_size=4096, "
        "out=Path(sys.argv[1]))\n"
        "train_in_process(cfg, lambda r: print('progress', flush=True))\n"
    )
    job = subprocess.Popen(
        [sys.executable, "-c", script, str(train_runs / "orphan")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert job.stdout.readline().startswith("progress") and is_training(train_runs)
        job.send_signal(signal.SIGKILL)  # what Cancel does to a diskcache job; Celery sends SIGTERM
        job.wait(30)
    finally:
        job.kill()
    deadline = time.monotonic() + 30
    while (
        trainer_processes(train_runs) or is_training(train_runs)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert trainer_processes(train_runs) == [] and not is_training(train_runs)
    assert not (train_runs / "orphan").exists() and hidden_dirs(train_runs) == []


# Page callbacks that start a training or hold the lock, called directly.


OWNER = {"id": "b" * 32, "announced": None}
FIELD_IDS = [{"type": ids.TRAIN_FIELD_ERROR, "field": field} for field in FIELDS if field != "name"]


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
        job = records.effective(records.read_record(train_runs))
        if job and job["state"] != records.RUNNING:
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
    assert records.read_record(train_runs) is None


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
    assert job["state"] == records.DONE and job["owner"] == OWNER["id"]
    until(  # the job's thread waits for its training process: no zombie is left
        lambda: not [c for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE],
        30,
        what="no zombie child",
    )
    mine = poll(page)
    assert "Trained direct: test accuracy" in text(mine["status"])
    assert page.suggest_next_name(mine["changed"], "baseline") == "baseline-2"
    assert mine["changed"]["select"] == "direct" and mine["owner"]["announced"] == job["job"]
    options, value = page.refresh_selector(mine["changed"])
    assert value == "direct" and [option["value"] for option in options] == [
        "baseline",
        "convnet",
        "direct",
    ]
    again = poll(page, mine["owner"], mine["seen"])
    assert (
        again["changed"] is page.no_update and again["figure"] is page.no_update
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
    assert job["state"] == records.CANCELLED and "Cancelled: the training of stopped" in text(
        poll(page)["status"]
    )
    deadline = time.monotonic() + 30
    while (
        is_training(train_runs) or trainer_processes(train_runs)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (train_runs / "stopped").exists() and hidden_dirs(train_runs) == []


def test_a_job_whose_heartbeat_stopped_reads_as_failed(train_runs):
    cfg = TrainConfig(**{**TINY, "out": train_runs / "lost"})
    stale = {**new_record(cfg, "job-1", "owner", celery=False), "heartbeat": time.time() - 60}
    records.write_record(train_runs, stale)
    job = records.effective(records.read_record(train_runs))
    assert job["state"] == records.FAILED and "stopped without a word" in job["message"]
    assert not records.is_running(train_runs)


def test_no_rename_while_a_training_runs(page, train_runs):
    with exclusive_training(train_runs):
        message, *_ = call(
            page.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 1, None, "baseline", "mlp"
        )
    assert "a training is running" in text(message).lower() and (train_runs / "baseline").is_dir()
