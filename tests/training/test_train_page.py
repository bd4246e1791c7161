"""The Train page: its form checks, the launcher and its training process, run management.

Trainings here are tiny (1,024-5,000 images, baseline or convnet). Browser tests: `pytest
--headless`.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pandas as pd
import psutil
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.jobs.form import (
    DEFAULTS,
    FIELDS,
    FULL_TRAIN_SIZE,
    PRESET_LABELS,
    change_refusal,
    check_new_name,
    form_config,
    is_suggested_name,
    preset_changes,
    preset_fields,
    preset_options,
    suggest_name,
    train_size_label,
)
from dashboard.jobs.launcher import REFUSED, run_training_process
from dashboard.train import form_view, manage
from model.config import PROJECT_ROOT
from model.core.runs import RUN_FILES, list_runs, load_run
from model.training import job_record
from model.training.admission import exclusive_training, is_training
from model.training.settings import PRESETS, TrainConfig
from tests.support.callbacks import call
from tests.support.traces import hidden_dirs, trainer_processes

FORM = {
    "preset": "custom",
    "architecture": "baseline",
    "epochs": 2,
    "batch_size": 128,
    "train_size": 1024,
    "augment": False,
    "seed": 0,
}
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


# The form, checked without Dash.


def test_form_gives_the_training_it_describes(tmp_path):
    cfg = form_config(runs_dir=tmp_path, max_epochs=10, name=" first ", **FORM)
    assert (cfg.architecture, cfg.epochs, cfg.batch_size, cfg.train_size, cfg.augment) == (
        "baseline",
        2,
        128,
        1024,
        False,
    )
    assert cfg.out == tmp_path / "first"
    full = form_config(
        runs_dir=tmp_path, max_epochs=10, name="all", **{**FORM, "train_size": FULL_TRAIN_SIZE}
    )
    assert full.train_size is None and train_size_label(FULL_TRAIN_SIZE) == "all 55,000 images"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "run name is empty"),
        ({"name": None}, "run name is empty"),
        ({"name": "two words"}, "run name must be"),
        ({"name": ".hidden"}, "run name must be"),
        ({"name": "taken"}, "'taken' already exists"),
        ({"epochs": 0}, "epochs must be a whole number from 1 to 10, got 0"),
        ({"epochs": 11}, "epochs must be a whole number from 1 to 10"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"epochs": None}, "epochs must be a whole number"),
        ({"batch_size": 100}, "batch size must be one of 32, 64, 128, 256, got 100"),
        ({"train_size": 10}, "training images must be a whole number from 256"),
        ({"architecture": "resnet"}, "architecture must be one of"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"preset": "fastest"}, "preset must be one of quick, strong, custom"),
        ({"preset": None}, "preset must be one of"),
    ],
)
def test_bad_form_input_is_refused_with_a_message_naming_the_field(tmp_path, change, message):
    (tmp_path / "taken").mkdir()
    values = {**FORM, "name": "fresh", **change}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        form_config(runs_dir=tmp_path, max_epochs=10, **values)


def test_the_form_starts_on_the_quick_preset_and_a_preset_gives_its_recipe_under_the_fields(
    tmp_path,
):
    assert DEFAULTS == {"preset": "quick", **preset_fields("quick"), "seed": 0}
    assert set(PRESET_LABELS) == {*PRESETS, "custom"} and [
        o["value"] for o in preset_options()
    ] == list(PRESET_LABELS)
    quick = form_config(runs_dir=tmp_path, max_epochs=10, name="q", **{**FORM, **DEFAULTS})
    assert (quick.preset, quick.architecture, quick.epochs, quick.batch_size, quick.train_size) == (
        "quick",
        "fast_cnn",
        PRESETS["quick"]["epochs"],
        256,
        None,
    )
    assert (quick.learning_rate, quick.beta_1, quick.ema, quick.tta) == (0.01, 0.7, False, False)
    strong = form_config(
        runs_dir=tmp_path,
        max_epochs=100,
        name="s",
        **{**FORM, **preset_fields("strong"), "preset": "strong", "epochs": 3},
    )
    assert (
        strong.preset == "strong" and strong.epochs == 3 and strong.ema and strong.tta
    )  # a field overrides
    custom = form_config(runs_dir=tmp_path, max_epochs=10, name="c", **FORM)
    assert (
        custom.preset is None and custom.architecture == "baseline" and custom.learning_rate == 3e-3
    )


def test_suggested_names_are_free(tmp_path):
    assert suggest_name(tmp_path, "convnet") == "convnet-2"
    (tmp_path / "convnet-2").mkdir()
    assert suggest_name(tmp_path, "convnet") == "convnet-3"
    assert check_new_name("convnet-3", tmp_path) == "convnet-3"


def test_the_default_run_runs_elsewhere_and_a_training_are_protected(tmp_path):
    runs = tmp_path / "runs"
    assert "shipped default" in change_refusal(runs / "deep_cnn", runs, renaming=False)
    assert "outside the runs directory" in change_refusal(
        tmp_path / "other" / "x", runs, renaming=True
    )
    assert "a training is running" in change_refusal(runs / "x", runs, renaming=True, training=True)
    assert change_refusal(runs / "x", runs, renaming=False, training=True) is None
    assert "only run" in change_refusal(runs / "x", runs, renaming=False, only_run=True)
    assert change_refusal(runs / "x", runs, renaming=True) is None
    runs.mkdir()
    (runs / "SHIPPED").write_text("# shipped\nconvnet\n")
    assert "ships with the app" in change_refusal(runs / "convnet", runs, renaming=True)
    (runs / "linked").symlink_to(tmp_path)
    assert "is a link to" in change_refusal(runs / "linked", runs, renaming=False)


def test_the_shipped_runs_are_listed():
    from dashboard.jobs.form import shipped_runs
    from model.config import RUNS_DIR

    assert shipped_runs(RUNS_DIR) == {path.name for path in RUNS_DIR.iterdir() if path.is_dir()}


def test_live_curves_span_the_whole_training():
    from dashboard.figures.curves import WAITING, fig_live_curves

    assert fig_live_curves([], "x", 5).layout.annotations[0].text == WAITING
    rows = [
        {"epoch": e, "loss": 1 / e, "accuracy": 0.8, "val_loss": 1.1 / e, "val_accuracy": 0.79}
        for e in (1, 2)
    ]
    figure = fig_live_curves(rows, "x", 5)
    assert list(figure.data[0].x) == [1, 2] and tuple(figure.layout.xaxis.range) == (0.5, 5.5)
    assert "epoch 2 of 5" in figure.layout.title.text
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        fig_live_curves(rows, "x", 0)


# The training process.


def test_config_survives_the_trip_to_the_training_process(tmp_path):
    cfg = TrainConfig(architecture="convnet", epochs=3, train_size=2048, out=tmp_path / "x")
    assert TrainConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="not a training configuration"):
        TrainConfig.from_json('{"epochs": 3, "unknown": 1}')


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


def text(component) -> str:
    """All the text under a component (or a string)."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text(child) for child in component if child is not None)
    children = getattr(component, "children", None)
    return text(children) if children is not None else ""


def test_layout_and_name_check(page, train_runs):
    assert page.layout() is not None
    assert "This name is free" in text(form_view.check_name("new-run"))
    assert "already exists" in text(form_view.check_name("convnet"))
    assert "Cannot use this name: run name is empty" in text(form_view.check_name("  "))
    assert form_view.suggest_augment("deep_cnn") == ["on"]
    assert form_view.suggest_augment("convnet") == []
    assert form_view.apply_preset("strong") == (
        "wide_cnn",
        PRESETS["strong"]["epochs"],
        128,
        FULL_TRAIN_SIZE,
        ["on"],
    )
    assert form_view.apply_preset("quick") == (
        "fast_cnn",
        PRESETS["quick"]["epochs"],
        256,
        FULL_TRAIN_SIZE,
        [],
    )
    with pytest.raises(PreventUpdate):
        form_view.apply_preset("custom")  # custom keeps the fields as they are


def test_the_form_says_which_fields_differ_from_the_preset_and_the_name_follows_the_architecture(
    page,
):
    quick = preset_fields("quick")
    as_set = (quick["architecture"], quick["epochs"], quick["batch_size"], quick["train_size"], [])
    assert form_view.show_preset_changes("quick", *as_set) == ""
    changed = text(form_view.show_preset_changes("quick", "wide_cnn", 3, 256, 1024, ["on"]))
    assert "Changed from the quick preset" in changed and "epochs 3 (preset: 2)" in changed
    assert (
        "architecture wide_cnn (preset: fast_cnn)" in changed
        and "augment on (preset: off)" in changed
    )
    assert (
        "train size 1,024 images (preset: all 55,000 images)" in changed
        and "batch size" not in changed
    )
    assert form_view.show_preset_changes("custom", "wide_cnn", 3, 256, 1024, ["on"]) == ""
    assert preset_changes("strong", epochs=18, architecture="wide_cnn") == []
    assert is_suggested_name("fast_cnn-2") and is_suggested_name("") and is_suggested_name(None)
    assert not is_suggested_name("my-run") and not is_suggested_name("fast_cnn-2x")
    assert form_view.follow_architecture("wide_cnn", "fast_cnn-2") == "wide_cnn-2"
    with pytest.raises(PreventUpdate):
        form_view.follow_architecture("wide_cnn", "my-run")  # a name the user typed stays


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
    time.sleep(1)  # the job's thread has waited for its training process: no zombie is left
    assert [c for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE] == []
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


def test_rename_and_delete_refresh_the_selector(page, train_runs):
    with pytest.raises(PreventUpdate):  # the page was just opened
        page.refresh_selector(None)
    message, changed, cleared = call(
        manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 1, None, "baseline", "mlp"
    )
    options, value = page.refresh_selector(changed)
    assert "Renamed baseline to mlp" in text(message) and value == "mlp" and cleared == ""
    assert [o["value"] for o in options] == ["convnet", "mlp"] and load_run(
        train_runs / "mlp"
    ).metadata["name"] == "mlp"
    rename = f"{ids.TRAIN_RENAME}.n_clicks"
    message, *_ = call(manage.change_run, rename, 2, None, "mlp", "convnet")
    assert "'convnet' already exists" in text(message)
    message, *_ = call(manage.change_run, rename, 3, None, "mlp", "bad/name")
    assert "Not renamed: run name must be" in text(message)
    message, changed, _ = call(
        manage.change_run, f"{ids.TRAIN_DELETE}.submit_n_clicks", 3, 1, "mlp", ""
    )
    options, value = page.refresh_selector(changed)
    assert "Deleted mlp; convnet is selected now" in text(message) and value == "convnet"
    assert [o["value"] for o in options] == ["convnet"] and hidden_dirs(train_runs) == []
    message, changed, _ = call(
        manage.change_run, f"{ids.TRAIN_DELETE}.submit_n_clicks", 3, 2, "convnet", ""
    )
    assert (
        "Not deleted: convnet is the only run" in text(message)
        and changed is no_update
        and (train_runs / "convnet").is_dir()
    )


def test_the_shipped_default_cannot_be_renamed_or_deleted(page, train_runs):
    shutil.copytree(train_runs / "convnet", train_runs / "deep_cnn")
    summary, rename_off, delete_off, _ = manage.show_selected("deep_cnn")
    assert rename_off and delete_off and "shipped default" in text(summary)
    for trigger, clicks in (
        (f"{ids.TRAIN_RENAME}.n_clicks", (1, None)),
        (f"{ids.TRAIN_DELETE}.submit_n_clicks", (0, 1)),
    ):
        message, *_ = call(manage.change_run, trigger, *clicks, "deep_cnn", "renamed")
        assert "deep_cnn is the shipped default model" in text(message)
    assert (train_runs / "deep_cnn").is_dir() and not manage.show_selected("convnet")[1]


def test_no_rename_while_a_training_runs(page, train_runs):
    with exclusive_training(train_runs):
        message, *_ = call(
            manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 1, None, "baseline", "mlp"
        )
    assert "a training is running" in text(message).lower() and (train_runs / "baseline").is_dir()


def test_downloads_hold_the_run_and_its_tables(page, train_runs):
    data, message = call(manage.download, f"{ids.TRAIN_EXPORT}.n_clicks", 1, 0, 0, "convnet")
    archive = zipfile.ZipFile(io.BytesIO(__import__("base64").b64decode(data["content"])))
    assert data["filename"] == "convnet.zip" and set(archive.namelist()) >= {
        f"convnet/{n}" for n in RUN_FILES
    }
    data, _ = call(manage.download, f"{ids.TRAIN_HISTORY_CSV}.n_clicks", 1, 1, 0, "convnet")
    history = pd.read_csv(io.StringIO(data["content"]))
    assert (
        data["filename"] == "convnet-history.csv"
        and len(history) == 2
        and "val_accuracy" in history
    )
    data, _ = call(manage.download, f"{ids.TRAIN_CLASSES_CSV}.n_clicks", 1, 1, 1, "convnet")
    table = pd.read_csv(io.StringIO(data["content"]))
    assert data["filename"] == "convnet-per-class.csv" and list(table["digit"]) == list(range(10))
    data, message = call(manage.download, f"{ids.TRAIN_EXPORT}.n_clicks", 2, 1, 1, "gone")
    assert data is no_update and "Cannot download: run 'gone' is not in" in text(message)


# The page in Chromium.
