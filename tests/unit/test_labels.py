"""Label suspects (cleanlab on out-of-sample probabilities), their file, and people's marks on
them."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from datetime import UTC, datetime

import numpy as np
import pytest

from model.trust.label_marks import marks_csv, read_marks, set_mark
from model.trust.labels import find_suspects, main, read_suspects, select_suspects
from tests.support.labels import FLIPS, flipped, write_suspects


def test_find_suspects_finds_the_flipped_labels_first(mnist):
    labels, probabilities = flipped(mnist, FLIPS)
    suspects = find_suspects(labels, probabilities, split="test")
    assert {row["index"] for row in suspects} == set(FLIPS)
    for row in suspects:
        assert (
            row["given"] == FLIPS[row["index"]] and row["suggested"] == mnist.y_test[row["index"]]
        )
        assert row["score"] == pytest.approx(0.01 / 9, abs=1e-6)


def test_find_suspects_rejects_bad_arguments(mnist):
    labels, probabilities = flipped(mnist, FLIPS)
    with pytest.raises(ValueError, match="split must be one of"):
        find_suspects(labels, probabilities, split="validation")
    with pytest.raises(ValueError, match="probabilities must have shape"):
        find_suspects(labels, probabilities[:10], split="test")


def test_suspects_file_round_trip_and_selection(tmp_path, mnist):
    path = tmp_path / "suspects.json"
    written = write_suspects(path, mnist)
    assert written["counts"] == {"train": 2, "test": 3}
    data = read_suspects(path)
    rows = data["suspects"]
    assert [r["index"] for r in select_suspects(rows, {}, split="test", sort="index")] == sorted(
        FLIPS
    )
    assert [r["index"] for r in select_suspects(rows, {}, split="test", digit=8)] == [3]  # given 8
    suggested = int(mnist.y_test[100])
    assert 100 in [r["index"] for r in select_suspects(rows, {}, split="test", digit=suggested)]
    marks = {"test:3": {"verdict": "wrong", "time": "t"}}
    assert [r["index"] for r in select_suspects(rows, marks, split="test", show="wrong")] == [3]
    assert 3 not in [
        r["index"] for r in select_suspects(rows, marks, split="test", show="unmarked")
    ]
    assert select_suspects(rows, marks, split="test", show="right") == []
    with pytest.raises(ValueError, match="sort must be one of"):
        select_suspects(rows, {}, split="test", sort="colour")


def test_read_suspects_skips_malformed_rows_and_broken_files(tmp_path):
    path = tmp_path / "suspects.json"
    assert read_suspects(path) is None
    path.write_text("[1, 2")
    assert read_suspects(path) is None
    good = {"split": "test", "index": 5, "given": 1, "suggested": 2, "score": 0.1}
    bad = [
        {**good, "index": 10000},
        {**good, "split": "val"},
        {**good, "given": 10},
        {**good, "score": "x"},
        7,
    ]
    path.write_text(json.dumps({"suspects": [good, *bad]}))
    assert read_suspects(path)["suspects"] == [good]


def test_marks_are_kept_with_their_time_and_cleared(tmp_path):
    path = tmp_path / "marks.json"
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    set_mark(path, "test", 3, "wrong", now=now)
    set_mark(path, "train", 20, "right", now=now)
    assert read_marks(path) == {
        "test:3": {"verdict": "wrong", "time": "2026-11-26T08:00:00+00:00"},
        "train:20": {"verdict": "right", "time": "2026-11-26T08:00:00+00:00"},
    }
    set_mark(path, "test", 3, None)
    assert list(read_marks(path)) == ["train:20"]
    for args in (
        ("test", -1, "wrong"),
        ("test", 1, "maybe"),
        ("nope", 1, "wrong"),
        ("test", True, "right"),
        ("test", 10_000, "wrong"),  # the test set's images are 0 to 9,999
        ("train", 60_000, "wrong"),
    ):
        with pytest.raises(ValueError):
            set_mark(path, *args)
    with pytest.raises(
        ValueError, match=r"image of the test set \(0 to 9999\), got a number of 13953 bits"
    ):
        set_mark(path, "test", 10**4200, "wrong")  # a huge number, shown short
    set_mark(path, "train", 59_999, "right")
    assert list(read_marks(path)) == ["train:20", "train:59999"]  # bad input lost nothing


def _mark_many(path: str, offset: int) -> None:
    for index in range(offset, offset + 25):
        set_mark(path, "test", index, "wrong")


def test_two_users_marking_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "marks.json")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_mark_many, args=(path, offset)) for offset in (0, 1000)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(read_marks(path)) == 50


def test_marks_csv_has_every_suspect_with_its_mark(tmp_path, mnist):
    path = tmp_path / "suspects.json"
    rows = write_suspects(path, mnist)["suspects"]
    marks = {"test:100": {"verdict": "right", "time": "2026-11-26T08:00:00+00:00"}}
    table = list(csv.DictReader(io.StringIO(marks_csv(rows, marks))))
    assert len(table) == 5
    marked = [row for row in table if row["verdict"]]
    assert marked == [
        {
            "split": "test",
            "index": "100",
            "given": "1",
            "suggested": str(mnist.y_test[100]),
            "score": marked[0]["score"],
            "verdict": "right",
            "marked_at": "2026-11-26T08:00:00+00:00",
        }
    ]


def test_labels_cli_writes_the_file_from_cached_probabilities(tmp_path, mnist, tiny_run):
    cache = tmp_path / "cv.npy"
    probabilities = np.full((60000, 10), 0.01 / 9, np.float32)
    probabilities[np.arange(60000), mnist.y_train] = 0.99
    probabilities[42] = np.roll(
        probabilities[42], 1
    )  # the out-of-sample model disagrees with label 42
    np.save(cache, probabilities.astype(np.float16))
    out = tmp_path / "suspects.json"
    assert main(["--run", str(tiny_run), "--cv-cache", str(cache), "--out", str(out)]) == 0
    data = read_suspects(out)
    assert [r["index"] for r in data["suspects"] if r["split"] == "train"] == [42]
    assert data["counts"]["test"] > 0 and "run convnet" in data["sources"]["test"]
    assert (
        main(["--run", str(tmp_path / "nothing"), "--cv-cache", str(cache), "--out", str(out)]) == 1
    )
