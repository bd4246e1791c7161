"""The Draw page's reading within its budget: a grid of printed digits in number mode is refused
before any part is read, and a reading finding every slot taken is answered "busy, try again"."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from dashboard import ids
from dashboard.drawing.slots import reading_slot
from dashboard.settings import READINGS_AT_ONCE
from model import config
from tests.support.callbacks import call
from tests.support.constants import RUN_NAMES
from tests.support.images import data_url, digit_grid_png
from tests.support.sketch import TWO_DIGITS, sketch_json

TINY_RUN = RUN_NAMES[1]


@pytest.fixture
def draw_page(service):
    """The Draw page module, imported by the app's page registry."""
    from dashboard.pages import draw

    return draw


def read(draw_page, trigger: str, contents: object, json_data: str, mode: str) -> tuple:
    """The reading callback's outputs after `trigger` (an upload of `contents` or a stroke)."""
    source = "canvas" if trigger == ids.DRAW_CANVAS else "empty"
    return call(
        draw_page.show_reading,
        f"{trigger}.{'contents' if trigger == ids.DRAW_UPLOAD else 'trigger'}",
        1,
        contents,
        0,
        mode,
        TINY_RUN,
        json_data,
        source,
        draw_page.BACKGROUNDS[0],
    )


def test_a_grid_of_printed_digits_in_number_mode_is_refused_before_it_is_read(draw_page):
    grid = data_url(digit_grid_png(), "image/png")
    text, message, bars, inputs, source, *_, read_id, _view, _class = read(
        draw_page, ids.DRAW_UPLOAD, grid, "", "number"
    )
    assert text == "Too many marks in the upload"
    assert f"at most {config.MAX_PARTS} digits" in message and message.endswith(".")
    assert read_id is None and len(bars) == 1  # no part was classified, nothing kept
    assert "Nothing to read yet" in str(inputs)


def test_a_reading_finding_every_slot_taken_says_busy_try_again(draw_page):
    with ExitStack() as held:
        for _ in range(READINGS_AT_ONCE):
            held.enter_context(reading_slot(wait=0))
        text, message, *_ = read(
            draw_page, ids.DRAW_CANVAS, None, sketch_json(TWO_DIGITS), "number"
        )
    assert text == "Busy, try again" and "try again in a moment" in message
    text, *_ = read(draw_page, ids.DRAW_CANVAS, None, sketch_json(TWO_DIGITS), "number")
    assert text != "Busy, try again"  # the slots are free again


def test_the_server_returns_freed_memory_to_the_system():
    from dashboard.service.memory import return_freed_memory

    assert return_freed_memory()  # glibc's malloc tuned (this machine runs glibc)
