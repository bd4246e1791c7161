"""The command-line tools on real image files, a broken one among them."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from model.core import evaluation as evaluate
from model.core.calibration import apply_temperature, read_temperature
from model.reading import predict
from tests.support.drawing import render


@pytest.fixture(scope="module")
def image_files(tmp_path_factory, mnist):
    """Real files: MNIST digits enlarged to 280 px (PNG, JPEG), and four broken ones."""
    folder = tmp_path_factory.mktemp("images")
    good = {}
    for index in (0, 1, 2, 3):  # test labels 7, 2, 1, 0
        big = cv2.resize(mnist.x_test[index], (280, 280), interpolation=cv2.INTER_CUBIC)
        suffix = ".png" if index % 2 else ".jpg"
        path = folder / f"test{index}{suffix}"
        cv2.imwrite(str(path), 255 - big if index == 3 else big)  # one dark-on-light
        good[path] = int(mnist.y_test[index])
    broken = {
        "empty.png": cv2.imencode(".png", np.zeros((280, 280), np.uint8))[1].tobytes(),
        "text.png": b"hello, I am not a picture",
        "zero.jpg": b"",
    }
    for name, data in broken.items():
        (folder / name).write_bytes(data)
    return good, [folder / name for name in broken] + [folder / "missing.png"]


def test_predict_json_answers_every_file(image_files, tiny_run, capsys):
    good, broken = image_files
    code = predict.main([*map(str, good), *map(str, broken), "--run", str(tiny_run), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and len(lines) == len(good) + len(broken)
    for line in lines[: len(good)]:
        assert isinstance(line["digit"], int) and len(line["probabilities"]) == 10
        assert sum(line["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    errors = {line["path"].rsplit("/", 1)[-1]: line for line in lines[len(good) :]}
    assert all(line["digit"] is None for line in errors.values())
    assert "no ink" in errors["empty.png"]["error"]
    assert "not an image" in errors["text.png"]["error"]
    assert "empty" in errors["zero.jpg"]["error"]
    assert "cannot read" in errors["missing.png"]["error"]
    assert {name: line["refusal"] for name, line in errors.items()} == {
        "empty.png": "empty",
        "text.png": "unreadable image",
        "zero.jpg": "unreadable image",
        "missing.png": "unreadable image",
    }


def test_predict_plain_output_and_good_exit(image_files, tiny_run, capsys):
    good, _ = image_files
    assert predict.main([*map(str, good), "--run", str(tiny_run)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(good) and all("%" in line for line in out)


def test_predict_says_which_probabilities_and_calibrates_them_on_request(
    image_files, tiny_run, capsys
):
    good, _ = image_files
    files = [str(path) for path in good]
    assert predict.main([*files, "--run", str(tiny_run), "--json"]) == 0
    output = capsys.readouterr()
    raw = [json.loads(line) for line in output.out.splitlines()]
    assert output.err.strip() == "probabilities: raw, without test-time augmentation"
    assert predict.main([*files, "--run", str(tiny_run), "--json", "--calibrated"]) == 0
    calibrated = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    temperature = read_temperature(tiny_run)
    for before, after in zip(raw, calibrated, strict=True):
        assert before["probabilities_are"] == "raw, without test-time augmentation"
        assert after["probabilities_are"] == "calibrated, without test-time augmentation"
        expected = apply_temperature(np.array(before["probabilities"]), temperature)
        np.testing.assert_allclose(after["probabilities"], expected, atol=1e-5)
        assert after["digit"] == before["digit"]


def test_predict_with_missing_run_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "x.png"
    cv2.imwrite(str(path), render(7))
    assert predict.main([str(path), "--run", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "model.keras is missing" in err and "\n" not in err


def test_evaluate_json_last_line(tiny_run, capsys):
    assert evaluate.main(["--run", str(tiny_run), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = json.loads(out[-1])
    stored = json.loads((tiny_run / "evaluation.json").read_text())
    assert summary["accuracy"] == pytest.approx(stored["accuracy"], abs=2e-4)
    assert len(summary["per_class"]) == 10 and "precision" in out[2]


def test_evaluate_broken_model_file(tiny_run, tmp_path, capsys):
    import shutil

    copy = shutil.copytree(tiny_run, tmp_path / "broken")
    (copy / "model.keras").write_bytes(b"garbage")
    assert evaluate.main(["--run", str(copy)]) == 2
    assert "cannot be loaded" in capsys.readouterr().err
