"""Reading a view's state from the URL's query string: good values kept, bad ones replaced with a
message."""

from __future__ import annotations

import pytest

from dashboard.query import messages, query_cell, query_choice, query_int


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10000", "out of range"),
        ("abc", "not a whole number"),
        ("-3", "out of range"),
        ("2.5", "not a whole number"),
    ],
)
def test_a_bad_index_gets_a_message_and_no_image(raw, expected):
    value = query_int(raw, "index", low=0, high=9999, fallback=None)
    assert value.value is None and expected in value.message and "0 to 9999" in value.message


def test_good_or_absent_values_pass_silently():
    assert query_int("42", "index", low=0, high=9999, fallback=None).value == 42
    assert query_int(None, "index", low=0, high=9999, fallback=0).value == 0
    assert messages(query_int(" 7 ", "digit", low=0, high=9, fallback=0), query_cell(None)) == []
    assert query_choice("share", "mode", ["counts", "share"], fallback="counts").value == "share"
    assert query_cell("4-9").value == (4, 9)


@pytest.mark.parametrize("raw", ["4", "4-", "10-1", "a-b", "4-9-1"])
def test_a_bad_cell_or_choice_gets_a_message(raw):
    cell = query_cell(raw)
    assert cell.value is None and "TRUE-PREDICTED" in cell.message
    mode = query_choice(raw, "mode", ["counts", "share"], fallback="counts")
    assert mode.value == "counts" and "counts, share" in mode.message
