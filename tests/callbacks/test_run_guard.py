"""The run guard: a run renamed, deleted or damaged after the page was opened never gives an HTTP
500, and the
shell is told to fall back (its `SHELL_LOST` store is written in the same answer)."""

from __future__ import annotations

import shutil

import pytest

from dashboard import ids
from dashboard.settings import Settings
from model.core.runs import MODEL_FILE
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES
from tests.support.dash_client import UPDATE, callbacks

RUN = f"{ids.RUN_SELECT}.value"
# Values the pages' controls hold when opened (what a browser would send besides the run).
CONTROLS = {
    f"{ids.ERRORS_NORMALIZE}.value": "counts",
    f"{ids.ERRORS_MATRIX}.clickData": {"points": [{"x": 3, "y": 5}]},
    f"{ids.DATASET_PROJECTION_METHOD}.value": "pca",
    f"{ids.SALIENCY_INDEX}.value": 3,
    f"{ids.SALIENCY_METHOD}.value": "vanilla",
    f"{ids.SALIENCY_TARGET}.value": "predicted",
    f"{ids.SALIENCY_CLASS}.value": "any",
    f"{ids.SALIENCY_MISTAKES}.value": [],
    f"{ids.DRAW_MODE}.value": "digit",
    f"{ids.DRAW_METHOD}.value": "vanilla",
    f"{ids.DRAW_CANVAS}.json_data": "",
    f"{ids.DRAW_SOURCE}.data": "canvas",
    f"{ids.DRAW_READ}.data": None,
    f"{ids.TRAINING_COMPARE}.value": list(RUN_NAMES),
    f"{ids.PROBABILITY_SCALE}.value": "calibrated",
    f"{ids.LABELS_SPLIT}.value": "test",
    f"{ids.LABELS_DIGIT}.value": "any",
    f"{ids.LABELS_SORT}.value": "score",
    f"{ids.LABELS_SHOW}.value": "all",
    f"{ids.LABELS_PAGE}.value": 1,
    f"{ids.LABELS_MARKS}.data": 0,
}


@pytest.fixture
def changing_app(spare_runs_dir, cache_dir):
    """A fresh app over a private copy of the runs, which the test may rename, delete or damage."""
    from dashboard.app import create_app

    return create_app(
        Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )


def statuses(app, run_name: str) -> dict[str, int | str]:
    """The HTTP status of every callback that reads the selected run, fired with `run_name` selected
    ("lost" for an
    answer that updates none of the callback's outputs and writes the shell's `SHELL_LOST` store
    instead)."""
    client = app.server.test_client()
    answers = {}
    for callback in callbacks(client):
        keys = [f"{d['id']}.{d['property']}" for d in callback.inputs + callback.state]
        if RUN not in keys:
            continue
        changed = RUN if RUN in keys[: len(callback.inputs)] else keys[0]
        body = callback.payload({**CONTROLS, RUN: run_name}, changed)
        response = client.post(UPDATE, json=body)
        answers[callback.output] = "lost" if is_lost(response) else response.status_code
    return answers


def is_lost(response) -> bool:
    """Whether `response` is the run guard's: no output updated, the shell's `SHELL_LOST` store
    written."""
    if response.status_code != 200:
        return False
    answer = response.get_json()
    return not answer.get("response") and ids.SHELL_LOST in answer.get("sideUpdate", {})


@pytest.mark.parametrize("change", ["renamed", "deleted", "damaged"])
def test_a_run_changed_elsewhere_gives_no_server_error(changing_app, spare_runs_dir, change):
    run_dir = spare_runs_dir / RUN_NAMES[1]
    assert set(statuses(changing_app, RUN_NAMES[1]).values()) <= {200, 204}  # nothing lost yet
    if change == "renamed":
        run_dir.rename(run_dir.with_name("elsewhere"))
    elif change == "deleted":
        shutil.rmtree(run_dir)
    else:
        (run_dir / MODEL_FILE).write_bytes(b"not a keras archive")
        (run_dir / "history.csv").write_text(
            "not,a\nhistory"
        )  # the directory changes: its entry is read again
    answers = statuses(changing_app, RUN_NAMES[1])
    assert len(answers) >= 10 and 500 not in answers.values(), answers
    assert (
        "lost" in answers.values()
    )  # the views that need the run stay as they were, the shell falls back


def test_a_cell_click_on_a_renamed_run_asks_the_shell_to_fall_back(changing_app, spare_runs_dir):
    client = changing_app.server.test_client()
    cell = next(c for c in callbacks(client) if f"{ids.ERRORS_CELL}.children" in c.output)
    body = cell.payload(
        {**CONTROLS, f"{ids.ERRORS_CHOSEN_CELL}.data": [5, 3], RUN: RUN_NAMES[1]},
        f"{ids.ERRORS_CHOSEN_CELL}.data",
    )
    assert client.post(UPDATE, json=body).status_code == 200 and not is_lost(
        client.post(UPDATE, json=body)
    )
    (spare_runs_dir / RUN_NAMES[1]).rename(spare_runs_dir / "renamed")
    response = client.post(UPDATE, json=body)
    assert is_lost(response), response.get_json()
    lost = response.get_json()["sideUpdate"][ids.SHELL_LOST]["data"]
    assert "not in" in lost["error"] and lost["run"] == RUN_NAMES[1]
