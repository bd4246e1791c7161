"""Malformed requests and damaged run files answer 4xx or fall back with a notice, never a 500.

Callback bodies of the wrong shape (over the app's test client, for every registered callback),
unknown component-suite paths, run files that parse but hold the wrong thing, and a model whose
probabilities are NaN. The same bodies over real HTTP are in tests/servers/test_fuzz.py.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from dashboard.callback_shape import shape_refusal
from model.core.answer import answer
from model.core.predictor import Predictor, load_keras_model
from model.core.runs import RunError, RunFiles, load_run
from tests.callbacks.test_run_guard import changing_app, statuses  # noqa: F401  (a fixture)
from tests.support import fuzz
from tests.support.constants import RUN_NAMES
from tests.support.dash_client import UPDATE, callbacks


def test_every_class_of_malformed_body_answers_400_with_a_sentence(app):
    client = app.server.test_client()
    listed = callbacks(client)
    answers = {
        (callback.output, label): client.post(
            UPDATE, data=text, headers={"Content-Type": "application/json"}
        )
        for callback in listed
        for label, text in fuzz.malformed(callback, {}).items()
    }
    assert len(answers) > 14 * len(listed)
    wrong = {key: r.status_code for key, r in answers.items() if r.status_code != 400}
    assert wrong == {}
    texts = {r.get_data(as_text=True) for r in answers.values()}
    assert all(t.startswith("Malformed callback request: ") and t.count(".\n") == 1 for t in texts)


def test_pattern_matching_ids_need_exactly_their_keys(app):
    key = next(k for k in app.callback_map if k.startswith("compare-selected"))
    cell = {"id": {"type": "compare-cell", "cell": "0-1"}, "property": "n_clicks", "value": 1}
    body = {"output": key, "outputs": {"id": "compare-selected", "property": "data"}}
    assert shape_refusal({**body, "inputs": [[cell]]}, app.callback_map) is None
    missing = {**cell, "id": {"type": "compare-cell"}}
    extra = {**cell, "id": {**cell["id"], "row": 2}}
    other_type = {**cell, "id": {**cell["id"], "type": "labels-mark"}}
    nested = {**cell, "id": {**cell["id"], "cell": [1]}}
    for item, words in [
        (missing, "exactly the keys cell, type"),
        (extra, "exactly the keys cell, type"),
        (other_type, "expects 'compare-cell'"),
        (nested, "text, a number or a boolean"),
    ]:
        assert words in shape_refusal({**body, "inputs": [[item]]}, app.callback_map)
    assert "must be a list" in shape_refusal({**body, "inputs": [cell]}, app.callback_map)


def test_right_shaped_bodies_still_reach_every_callback(app):
    client = app.server.test_client()
    for callback in callbacks(client):
        trigger = f"{callback.inputs[0]['id']}.{callback.inputs[0]['property']}"
        response = client.post(UPDATE, json=callback.payload({}, trigger))
        assert response.status_code in (200, 204), (callback.output, response.status_code)


def test_unknown_component_suite_paths_are_not_found(app):
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # Dash registers its scripts' paths with the page
    for path in ("dash/nothing.js", "nopackage/a.js", "dash/deps/../../x.js", "dash"):
        assert client.get(f"/_dash-component-suites/{path}").status_code == 404


def _damage(files: RunFiles, kind: str) -> str:
    """Damage one file of the run at `files` as `kind` says; the name of the damaged file."""
    evaluation = json.loads(files.evaluation.read_text())
    if kind in ("per_class", "1x1 matrix"):
        if kind == "per_class":
            evaluation["per_class"] = {"0": "x"}
        else:
            evaluation["confusion_matrix"] = [[1]]
        files.evaluation.write_text(json.dumps(evaluation))
        return files.evaluation.name
    if kind == "history":
        text = files.history.read_text().splitlines()
        files.history.write_text("\n".join([text[0], *(f"a{line}" for line in text[1:])]))
        return files.history.name
    probabilities = np.load(files.probabilities)
    if kind == "NaN probabilities":
        probabilities[3, 4] = np.nan
    else:
        probabilities = probabilities[:, :9]
    np.save(files.probabilities, probabilities)
    return files.probabilities.name


KINDS = ["per_class", "1x1 matrix", "history", "NaN probabilities", "9 classes"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_run_file_is_a_run_error_naming_it(spare_runs_dir, kind):
    files = RunFiles(spare_runs_dir / RUN_NAMES[1])
    name = _damage(files, kind)
    with pytest.raises(RunError, match=name):
        load_run(files.path)


@pytest.mark.parametrize("kind", ["1x1 matrix", "NaN probabilities"])
def test_the_app_falls_back_from_a_damaged_run_file(changing_app, spare_runs_dir, kind):  # noqa: F811
    assert 500 not in statuses(changing_app, RUN_NAMES[1]).values()
    run_dir = spare_runs_dir / RUN_NAMES[1]
    _damage(RunFiles(run_dir), kind)
    os.utime(run_dir)  # what a save by rename (an editor's, a copy's) does to the directory
    answers = statuses(changing_app, RUN_NAMES[1])
    assert 500 not in answers.values() and "lost" in answers.values(), answers


def test_nan_probabilities_from_a_model_are_a_run_error_not_nan_percent(tiny_run):
    model = load_keras_model(tiny_run)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    with pytest.raises(RunError, match="not finite numbers"):
        answer(Predictor(model), np.zeros((28, 28), np.float32), calibrated=False)
