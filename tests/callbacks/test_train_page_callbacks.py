"""The Train page's callbacks that start no training, called directly: the form's hints, rename,
delete, downloads."""

from __future__ import annotations

import io
import shutil
import zipfile

import pandas as pd
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.jobs.form import (
    FULL_TRAIN_SIZE,
    is_suggested_name,
    preset_changes,
    preset_fields,
)
from dashboard.settings import Settings
from dashboard.train import form_view, manage
from model.core.runs import RUN_FILES, load_run
from model.training import job_record
from model.training.settings import PRESETS
from tests.support.callbacks import call
from tests.support.components import headings, text
from tests.support.traces import hidden_dirs


@pytest.fixture
def page(train_app):
    """The Train page module over a private copy of the runs, the app context pushed so that its
    callbacks can be called directly."""
    from dashboard.pages import train

    with train_app.server.app_context():
        yield train


def test_layout_and_name_check(page, train_runs):
    assert headings(page.layout()) == ["Train"]
    assert "This name is free" in text(form_view.check_name("new-run"))
    assert "already exists" in text(form_view.check_name("convnet"))
    assert "Cannot use this name: run name is empty" in text(form_view.check_name("  "))
    assert (
        form_view.suggest_augment("deep_cnn") == ["on"]
        and form_view.suggest_augment("convnet") == []
    )
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
    message, *_ = call(manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 2, None, "mlp", "convnet")
    assert "'convnet' already exists" in text(message)
    message, *_ = call(
        manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 3, None, "mlp", "bad/name"
    )
    assert "Not renamed: run name must be" in text(message)
    message, *_ = call(manage.change_run, f"{ids.TRAIN_RENAME}.n_clicks", 4, None, "mlp", "x" * 300)
    assert "Not renamed: run name must be 1-64 letters" in text(message)  # not a silent refusal
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


def test_the_default_cannot_be_renamed_or_deleted(page, train_runs):
    shutil.copytree(train_runs / "convnet", train_runs / "mine")
    (train_runs / "DEFAULT").write_text("mine\n")
    summary, rename_off, delete_off, _ = manage.show_selected("mine")
    assert rename_off and delete_off and "is the default model" in text(summary)
    for trigger, clicks in (
        (f"{ids.TRAIN_RENAME}.n_clicks", (1, None)),
        (f"{ids.TRAIN_DELETE}.submit_n_clicks", (0, 1)),
    ):
        message, *_ = call(manage.change_run, trigger, *clicks, "mine", "renamed")
        assert "mine is the default model" in text(message)
    assert (train_runs / "mine").is_dir() and not manage.show_selected("convnet")[1]


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


def test_a_job_that_died_with_the_last_server_shows_as_failed_once_the_app_starts(
    train_runs, tmp_path
):
    from dashboard.app import create_app

    job_record.write_record(train_runs, job_record.new_record("gone", "o", "lost", "baseline", 2))
    app = create_app(Settings(runs_dir=train_runs, cache_dir=tmp_path / "cache"))
    from dashboard.pages import train  # once an app exists (the module registers a page)

    record = job_record.read_record(train_runs)
    assert record["state"] == job_record.FAILED and "started again" in record["message"]
    with app.server.app_context():
        status, cancel_off = train.show_job(1, {"id": "b" * 32, "announced": None}, None)[4:6]
    assert "Training of lost failed" in text(status) and cancel_off
