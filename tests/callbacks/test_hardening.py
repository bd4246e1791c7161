"""The shared input checkers, the request checks before parsing, hostile uploads, and runs that
cannot serve.

Over the app's test client and with the page functions called directly; the same over real HTTP
is in tests/servers/test_http_surface.py and the fuzz suite.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from dashboard import ids
from dashboard.drawing.upload import MAX_BODY_BYTES, check_pixels, upload_image
from dashboard.hardening import (
    MAX_JSON_DEPTH,
    host_name,
    json_depth,
    json_structure,
    router_refusal,
)
from dashboard.validation import (
    InvalidInput,
    check_choice,
    check_clicks,
    check_int,
    check_list,
    check_run,
    check_text,
    point_of,
)
from model.reading.preprocess import ImageReadError
from tests.support.callbacks import call
from tests.support.constants import PROJECTION_SIZE
from tests.support.images import bomb_png, data_url, nan_tiff


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (
            lambda v: check_int(v, "digit", 0, 9),
            True,
            "digit must be a whole number from 0 to 9, got True",
        ),
        (lambda v: check_int(v, "digit", 0, 9), 2.5, "got 2.5"),
        (
            lambda v: check_int(v, "digit", 0, 9),
            10**30,
            "from 0 to 9, got 1000000000000000000000000000000",
        ),
        (lambda v: check_int(v, "digit", 0, 9), float("nan"), "got nan"),
        (
            lambda v: check_choice(v, "method", ["pca", "tsne"]),
            ["pca"],
            r"method must be one of 'pca', 'tsne', got \['pca'\]",
        ),
        (
            lambda v: check_choice(v, "digit", [0, 1]),
            True,
            "got True",
        ),  # True == 1, but no dropdown sends it
        (lambda v: check_clicks(v), -1, "n_clicks must be a whole number from 0"),
        (
            lambda v: check_text(v, "name", max_length=5),
            "x" * 6,
            "text of at most 5 characters, got 'xxxxxx'",
        ),
        (lambda v: check_run(v), "bad/name", "run must be a run name"),
        (lambda v: check_run(v), "convnet\n", "run must be a run name"),
        (
            lambda v: check_list(v, "runs", check_run),
            ["a"] * 65,
            "a list of at most 64 items, got <list of 65 items>",
        ),
        (
            lambda v: check_list(v, "runs", check_run),
            ["ok", 3],
            r"runs\[1\] must be a run name \(text\), got 3",
        ),
        (lambda v: point_of(v, "clickData"), {"points": "x"}, "graph event data"),
    ],
)
def test_checkers_say_what_they_got_and_what_is_allowed(check, value, message):
    with pytest.raises(InvalidInput, match=message):
        check(value)


def test_checkers_return_the_values_the_code_needs():
    assert (
        check_int(3.0, "digit", 0, 9) == 3
        and check_clicks(None) == 0
        and check_list(None, "x", check_run) == []
    )
    assert (
        point_of({"points": [{"x": 1}]}, "clickData") == {"x": 1}
        and point_of(None, "clickData") is None
    )


def test_json_depth_is_measured_before_parsing_and_skips_strings():
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000
    tricky = json.dumps(["[" * 100, {"a": '\\"' + "{" * 100}, [[[1]]]]).encode()
    assert json_depth(tricky) == 4 and json.loads(tricky)
    assert json_depth(json.dumps({"a": [1, 2]}).encode()) <= MAX_JSON_DEPTH
    drawing = json.dumps({"json_data": json.dumps({"objects": [{"path": [[1]] * 500}]})})
    assert json_structure(drawing.encode()) == (1, 1)  # a canvas drawing is one string
    assert json_structure(tricky) == (4, 5)


def test_router_inputs_are_checked_and_host_names_read():
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": ["x"]}],
    }
    assert "pathname must be text" in router_refusal(body)
    body["inputs"][0]["value"] = "/draw"
    assert router_refusal(body) is None and router_refusal({"output": "x.y", "inputs": 3}) is None
    assert [host_name(h) for h in ("[::1]:8050", "Example.org:80", "localhost", "::1")] == [
        "::1",
        "example.org",
        "localhost",
        "::1",
    ]


def test_hostile_images_are_refused_with_a_sentence():
    with pytest.raises(ImageReadError, match="the image is too large"):
        upload_image(data_url(bomb_png(bit_depth=1), "image/png"))
    with pytest.raises(
        ImageReadError, match=r"too large \(9,000x9,000 pixels\); at most 8,000 pixels a side"
    ):
        upload_image(data_url(bomb_png(9_000, bit_depth=1), "image/png"))
    with pytest.raises(ImageReadError, match="NaN or infinite"):
        upload_image(data_url(nan_tiff(), "image/tiff"))
    with pytest.raises(ImageReadError, match="from -2 to 1"):
        check_pixels(np.array([[-2.0, 1.0]], np.float32))
    assert check_pixels(np.array([[0.0, 255.0]], np.float64)).shape == (1, 2)


def test_the_draw_page_clears_its_reading_for_a_nan_image(app):
    from dashboard.pages import draw

    with app.server.app_context():
        text, message, bars, inputs, source, _, _, read = call(
            draw.show_reading,
            f"{ids.DRAW_UPLOAD}.contents",
            None,
            data_url(nan_tiff(), "image/tiff"),
            0,
            "digit",
            "convnet",
            None,
            "canvas",
            draw.BACKGROUNDS[0],
        )[:8]
    assert text == "Cannot read the upload" and message.startswith(
        "The image has pixels that are not numbers"
    )
    assert read is None and source == "empty"


def test_requests_are_refused_before_dash_parses_them(app):
    client = app.server.test_client()
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    too_large = client.post(
        "/_dash-update-component", data=b" " * (MAX_BODY_BYTES + 1), content_type="application/json"
    )
    assert too_large.status_code == 413 and b"the limit is 7.7 MB" in too_large.data
    deep = client.post(
        "/_dash-update-component", data=b"[" * 5000 + b"]" * 5000, content_type="application/json"
    )
    assert deep.status_code == 400
    many = b'{"output": "x.y", "inputs": [' + b",".join([b"{}"] * 2_600_000) + b"]}"  # 7.8 MB
    wide = client.post("/_dash-update-component", data=many, content_type="application/json")
    assert wide.status_code == 400 and b"2,600,002 arrays and objects" in wide.data
    page = client.get("/draw")
    assert page.headers["X-Frame-Options"] == "DENY" and b"python_version" not in page.data
    assert client.get("/_reload-hash").status_code == 404


def _unloadable(runs_dir, name: str, damage) -> None:
    shutil.copytree(runs_dir / "baseline", runs_dir / name)
    damage(runs_dir / name / "model.keras")


def _with_lambda(model_file) -> None:
    with zipfile.ZipFile(model_file) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["config.json"] = files["config.json"].replace(
        b'"class_name": "Dense"', b'"class_name": "Lambda"', 1
    )
    os.remove(model_file)
    with zipfile.ZipFile(model_file, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


@pytest.fixture
def spare_app(spare_runs_dir, cache_dir):
    """A fresh app over a private copy of the tiny runs."""
    from dashboard.app import create_app
    from dashboard.settings import Settings

    return create_app(
        Settings(runs_dir=spare_runs_dir, cache_dir=cache_dir, projection_size=PROJECTION_SIZE)
    )


def test_an_unloadable_model_is_marked_in_the_selector_and_explained(spare_app, spare_runs_dir):
    from dashboard.shell import run_options
    from dashboard.shell.choice import model_notice

    _unloadable(spare_runs_dir, "damaged", lambda path: path.write_bytes(b"not a zip"))
    _unloadable(spare_runs_dir, "unsafe", _with_lambda)
    with spare_app.server.app_context():
        labels = {option["value"]: option["label"] for option in run_options()}
        assert labels["damaged"].endswith("model unreadable") and labels["unsafe"].endswith(
            "model unreadable"
        )
        assert not labels["baseline"].endswith("model unreadable")
        message = model_notice("damaged", "/draw")
        assert "model file" in message and "unreadable" in message
        message = model_notice("unsafe", "/dataset")
        assert "Lambda layer" in message and "Draw and Saliency pages cannot use" in message
        assert model_notice("baseline", "/draw") is None


def test_a_symlinked_run_is_refused_cleanly(spare_app, spare_runs_dir, tmp_path):
    from dash import no_update

    from dashboard.train import manage

    target = shutil.copytree(spare_runs_dir / "baseline", tmp_path / "elsewhere")
    (spare_runs_dir / "linked").symlink_to(target)
    with spare_app.server.app_context():
        for trigger, clicks in (
            (f"{ids.TRAIN_DELETE}.submit_n_clicks", (0, 1)),
            (f"{ids.TRAIN_RENAME}.n_clicks", (1, 0)),
        ):
            message, changed, _ = call(manage.change_run, trigger, *clicks, "linked", "moved")
            assert (
                "is a link to" in json.dumps(message.to_plotly_json(), default=str)
                and changed is no_update
            )
    assert (
        (spare_runs_dir / "linked").is_symlink()
        and target.is_dir()
        and (target / "model.keras").is_file()
    )
    hidden = [
        p.name
        for p in spare_runs_dir.iterdir()
        if p.name.startswith(".") and (p.is_dir() or p.is_symlink())
    ]
    assert hidden == []  # no hidden link left behind
