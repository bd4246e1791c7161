"""Compare, Calibration and Labels pages, and the calibrated/raw switch, called directly on apps
over the tiny runs."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from dashboard import ids
from model.training.calibrate import main as calibrate_main
from model.trust.compare import CELLS
from model.trust.label_marks import read_marks
from tests.callbacks.test_pages import find
from tests.callbacks.test_pages import text as component_text
from tests.support.callbacks import call
from tests.support.constants import RUN_NAMES


def text(children) -> str:
    """All the text of a component or a list of them."""
    if isinstance(children, (list, tuple)):
        return " ".join(text(child) for child in children if child is not None)
    return component_text(children)


@pytest.fixture
def trust(trust_app):
    from dashboard.service import current

    with trust_app.server.app_context():
        yield current()


def test_calibrate_cli_writes_a_temperature_that_lowers_validation_nll(calibrated_runs_dir, trust):
    summary = json.loads((calibrated_runs_dir / "convnet" / "calibration.json").read_text())
    assert summary["temperature"] > 0 and summary["bins"] == 15
    assert summary["validation_nll"]["calibrated"] <= summary["validation_nll"]["raw"]
    assert (
        trust.temperature("convnet") == summary["temperature"]
        and trust.temperature("baseline") is None
    )
    assert calibrate_main(["--run", str(calibrated_runs_dir / "missing")]) == 1


def test_compare_defaults_verdict_and_cells(trust, mnist):
    from dashboard.pages import compare

    layout = compare.layout()
    pickers = find(
        layout, lambda c: getattr(c, "id", None) in (ids.COMPARE_RUN_A, ids.COMPARE_RUN_B)
    )
    first = trust.default_run()
    assert [p.value for p in pickers] == [first, trust.best_other_run(first)]
    summary, *_ = compare.show_comparison("baseline", "convnet")
    result = trust.comparison("baseline", "convnet")
    assert sum(result.count(cell) for cell in CELLS) == 10000
    words = text(summary)
    assert (
        "better on this test set" in words or "No significant difference" in words
    ) and "McNemar" in words
    assert f"only A is right on {result.count('only_a')}" in words
    message, *_ = compare.show_comparison("convnet", "convnet")
    assert "two different runs" in text(message)


def test_compare_cell_gallery_shows_both_answers_and_follows_the_switch(trust, mnist):
    from dashboard.pages import compare

    result = trust.comparison("baseline", "convnet")
    table, gallery = compare.show_cell("only_b", "baseline", "convnet", "raw")
    tiles = find(gallery[1], lambda c: getattr(c, "className", None) == "tile")
    assert len(tiles) == min(result.count("only_b"), trust.settings.cell_gallery_size) > 0
    first = int(text(tiles[0]).split("#")[1].split()[0])
    assert first in result.cells["only_b"]
    raw_b = trust.probabilities("convnet", calibrated=False)[first]
    assert f"B: {raw_b.argmax()} ({raw_b.max():.1%})" in text(tiles[0])
    assert "A: raw, without test-time augmentation; B: raw" in text(gallery)
    _, calibrated = compare.show_cell("only_b", "baseline", "convnet", "calibrated")
    cal_b = trust.probabilities("convnet", calibrated=True)[first]
    assert f"B: {cal_b.argmax()} ({cal_b.max():.1%})" in text(calibrated)
    assert "A: raw, without test-time augmentation; B: calibrated" in text(calibrated)
    assert (
        find(table, lambda c: "selected" in str(getattr(c, "className", "")))[0].id["cell"]
        == "only_b"
    )
    assert (
        call(
            compare.select_cell,
            json.dumps({"cell": "both_wrong", "type": ids.COMPARE_CELL}) + ".n_clicks",
            [0, 1],
            value=1,
        )
        == "both_wrong"
    )


def test_calibration_page_calibrated_and_not(trust):
    from dashboard.pages import calibration

    summary, reliability, histogram = calibration.show_calibration("convnet", "calibrated")
    temperature = trust.temperature("convnet")
    assert f"{temperature:.3f}" in text(summary)
    bars = reliability.data[0]
    assert sum(int(t.replace(",", "")) for t in bars.text) == 10000
    assert "calibrated, without test-time augmentation" in reliability.layout.title.text
    assert sum(sum(trace.y) for trace in histogram.data) == 10000
    summary, reliability, _ = calibration.show_calibration("baseline", "calibrated")
    assert "Not calibrated" in text(summary) and "python -m model.calibrate" in text(summary)
    assert "raw, without test-time augmentation" in reliability.layout.title.text


def test_errors_and_saliency_follow_the_switch(trust):
    from dashboard.pages import errors, saliency

    raw, *_ = errors.show_probabilities(0, "convnet", "raw")
    calibrated, *_ = errors.show_probabilities(0, "convnet", "calibrated")
    np.testing.assert_allclose(
        raw.data[0].y, trust.probabilities("convnet", calibrated=False)[0], rtol=1e-6
    )
    np.testing.assert_allclose(
        calibrated.data[0].y, trust.probabilities("convnet", calibrated=True)[0], rtol=1e-6
    )
    assert not np.allclose(raw.data[0].y, calibrated.data[0].y)
    *_, figure = call(
        saliency.explain_image,
        f"{ids.SALIENCY_INDEX}.value",
        0,
        "vanilla",
        "predicted",
        [],
        "convnet",
        [],
        "calibrated",
    )
    np.testing.assert_allclose(figure.data[0].y, calibrated.data[0].y, atol=1e-4)
    assert "calibrated, without test-time augmentation" in figure.layout.title.text


def test_not_sure_on_draw_uses_calibrated_confidence(trust, mnist):
    from dashboard.drawing.reading import prediction_text
    from model.config import UNSURE_BELOW
    from model.core.calibration import apply_temperature
    from model.reading.classify import Classification

    temperature = trust.temperature("convnet")
    assert temperature != pytest.approx(1.0, abs=0.01)
    # A top probability where raw and calibrated confidence fall on either side of the "not sure"
    # threshold.
    candidates = [np.array([c] + [(1 - c) / 9] * 9, np.float32) for c in np.linspace(0.2, 0.8, 601)]
    probabilities = next(
        p
        for p in candidates
        if (p.max() < UNSURE_BELOW) != (apply_temperature(p, temperature).max() < UNSURE_BELOW)
    )
    raw = [Classification(probabilities, np.zeros((28, 28), np.float32))]
    judged = trust.calibrated_reading("convnet", raw)
    assert judged[0].digit == raw[0].digit == 0
    assert judged[0].unsure != raw[0].unsure and judged[0].unsure == (
        judged[0].confidence < UNSURE_BELOW
    )
    assert prediction_text(judged).startswith("Not sure") == judged[0].unsure
    assert (
        trust.calibrated_reading("baseline", raw)[0].confidence == raw[0].confidence
    )  # not calibrated: raw


def test_labels_page_filters_marks_and_exports(trust, mnist):
    from dashboard.pages import labels

    summary, gallery = labels.show_suspects("train", "any", "score", "all", 1, 0, "convnet")
    assert summary.startswith("2 suspects (0 marked)")
    test_rows = trust.test_suspects("convnet")
    summary, gallery = labels.show_suspects("test", "any", "index", "all", 1, 0, "convnet")
    assert summary.startswith(f"{len(test_rows)} suspects") and "run convnet" in summary
    row = test_rows[0]
    button = {"index": row["index"], "split": "test", "type": ids.LABELS_MARK, "verdict": "wrong"}
    version, message = call(
        labels.mark, json.dumps(button, sort_keys=True) + ".n_clicks", [1], 0, value=1
    )
    assert version == 1 and message == f"Marked test #{row['index']}: label wrong."
    marks = read_marks(trust.settings.label_marks)
    assert (
        marks[f"test:{row['index']}"]["verdict"] == "wrong"
        and marks[f"test:{row['index']}"]["time"]
    )
    summary, _ = labels.show_suspects("test", "any", "score", "wrong", 1, 1, "convnet")
    assert summary.startswith("1 suspects (1 marked)")
    exported = list(csv.DictReader(io.StringIO(labels.export(1, "convnet")["content"])))
    assert len(exported) == 2 + len(test_rows)
    assert [
        r["verdict"] for r in exported if r["index"] == str(row["index"]) and r["split"] == "test"
    ] == ["wrong"]
    call(
        labels.mark, json.dumps(button, sort_keys=True) + ".n_clicks", [2], 1, value=2
    )  # a second click clears
    assert read_marks(trust.settings.label_marks) == {}


def test_marks_are_only_for_images_that_exist_and_need_the_token_off_loopback(trust, trust_app):
    from dashboard.pages import labels

    def click(index: int, split: str = "test") -> str:
        button = {"index": index, "split": split, "type": ids.LABELS_MARK, "verdict": "wrong"}
        trigger = json.dumps(button, sort_keys=True) + ".n_clicks"
        return call(labels.mark, trigger, [1], 0, value=1)[1]

    for index, split in ((10**30, "test"), (10_000, "test"), (60_000, "train")):
        assert f"Could not save the mark: index must be an image of the {split} set" in click(
            index, split
        )
    assert read_marks(trust.settings.label_marks) == {}
    remote = {"REMOTE_ADDR": "192.0.2.7"}  # a client of the network, and this server has no token
    with trust_app.server.test_request_context("/_dash-update-component", environ_base=remote):
        assert click(5).startswith("Not marked: this server is open to the network")
    assert read_marks(trust.settings.label_marks) == {}
    assert click(59_999, "train") == "Marked train #59999: label wrong."


def test_labels_page_without_a_suspects_file(service):
    from dashboard.pages import labels

    service.labels.suspects_path = service.labels.suspects_path.parent / "nothing-here.json"
    summary, gallery = labels.show_suspects("train", "any", "score", "all", 1, 0, RUN_NAMES[1])
    assert "python -m model.labels" in text(summary) and gallery is None
    summary, _ = labels.show_suspects(
        "test", 3, "score", "all", 1, 0, RUN_NAMES[1]
    )  # test suspects need no file
    assert "suspects" in summary


def test_labels_page_reads_unknown_filter_values_as_the_defaults(trust):
    from dashboard.pages import labels

    expected = labels.show_suspects("test", "any", "score", "all", 1, 0, "convnet")[0]
    assert labels.show_suspects(None, "seven", 3.5, ["x"], "2", None, "convnet")[0] == expected


def test_draw_answer_and_bars_follow_the_switch(trust):
    from dashboard.pages import draw
    from tests.support.sketch import sketch_json

    def read(scale: str):
        return call(
            draw.show_reading,
            f"{ids.DRAW_CANVAS}.trigger",
            1,
            None,
            0,
            "digit",
            "convnet",
            sketch_json(7),
            "empty",
            draw.BACKGROUNDS[0],
            scale,
        )

    raw_text, _, raw_bars, *_ = read("raw")
    calibrated_text, _, calibrated_bars, *_ = read("calibrated")
    assert raw_text != calibrated_text  # the answer's percentage, as the bars, follows the switch
    assert raw_bars != calibrated_bars
    raw_values = [bar.title for bar in raw_bars[0].children if bar.className != "bars-title"]
    calibrated_values = [
        bar.title for bar in calibrated_bars[0].children if bar.className != "bars-title"
    ]
    assert raw_values != calibrated_values and len(raw_values) == 10
