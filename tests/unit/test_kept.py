"""The Draw page's reading store: ids, bounds per session and in all, expiry, bad ids and files."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from dashboard.drawing.kept import ID, MAX_DIGITS, KeptDigit, ReadingStore, session_of


def digits(count: int = 1, value: float = 0.5) -> list[KeptDigit]:
    return [KeptDigit(np.full((28, 28), value, np.float32), 7, 0.9) for _ in range(count)]


def age(path, seconds: float) -> None:
    """Make `path` look last used `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_kept_reading_comes_back_by_its_id(tmp_path):
    store = ReadingStore(tmp_path)
    reading_id = store.put(digits(2, 0.25))
    assert ID.fullmatch(reading_id)
    back = store.get(reading_id)
    assert [d.digit for d in back] == [7, 7] and back[0].confidence == pytest.approx(0.9)
    assert back[0].input.dtype == np.float32 and np.all(back[0].input == 0.25)


def test_readings_of_one_session_share_it_and_the_oldest_go(tmp_path):
    store = ReadingStore(tmp_path, per_session=2)
    first = store.put(digits())
    session = session_of(first)
    second = store.put(digits(), session=session)
    age(tmp_path / session / f"{first.split('-')[1]}.npz", 10)
    third = store.put(digits(), session=session)
    assert session_of(second) == session_of(third) == session
    assert store.get(first) is None and store.get(second) and store.get(third)
    assert len(list((tmp_path / session).glob("*.npz"))) == 2


def test_a_bad_session_starts_a_new_one(tmp_path):
    store = ReadingStore(tmp_path)
    for bad in (None, "../../etc", "A" * 32, 42):
        assert session_of(store.put(digits(), session=bad)) != bad


def test_sessions_are_bounded_the_least_recently_used_going(tmp_path):
    store = ReadingStore(tmp_path, sessions=3)
    ids = []
    for number in range(3):
        ids.append(store.put(digits()))
        age(tmp_path / session_of(ids[-1]), 100 - number)
    store.get(ids[0])  # used: now the most recent
    ids.append(store.put(digits()))
    assert len(list(tmp_path.iterdir())) == 3
    assert store.get(ids[1]) is None and store.get(ids[0]) and store.get(ids[2])


def test_readings_expire(tmp_path):
    store = ReadingStore(tmp_path, minutes=1)
    reading_id = store.put(digits())
    age(tmp_path / session_of(reading_id) / f"{reading_id.split('-')[1]}.npz", 61)
    assert store.get(reading_id) is None


@pytest.mark.parametrize(
    "bad", [None, 7, "", "x" * 49, f"{'0' * 32}-{'0' * 16}", "../" * 20, ["a"], {"id": 1}]
)
def test_unknown_or_malformed_ids_read_as_none(tmp_path, bad):
    assert ReadingStore(tmp_path).get(bad) is None


def test_a_damaged_file_reads_as_none(tmp_path):
    store = ReadingStore(tmp_path)
    reading_id = store.put(digits())
    path = tmp_path / session_of(reading_id) / f"{reading_id.split('-')[1]}.npz"
    path.write_bytes(b"not a reading")
    assert store.get(reading_id) is None


def test_bounds_are_checked(tmp_path):
    with pytest.raises(ValueError, match="per_session"):
        ReadingStore(tmp_path, per_session=0)
    with pytest.raises(ValueError, match="digits"):
        ReadingStore(tmp_path).put(digits(MAX_DIGITS + 1))
    with pytest.raises(ValueError, match="digits"):
        ReadingStore(tmp_path).put([])
