"""Screen sizes and layout measures for browser tests and bench/responsive.py: page width, graphs,
the Draw reading.

A phone is emulated through the DevTools protocol (viewport, device pixel ratio, touch), so that
the same Chromium serves every size; `touch_stroke` draws with real touch events.
"""

from __future__ import annotations

import time

from dashboard import ids
from tests.support.drawing import DIGIT_STROKES
from tests.support.sketch import CANVAS, DIGIT_BOX, mouse_stroke

# name: (width, height, touch)
SIZES = {
    "phone": (390, 844, True),
    "tablet": (768, 1024, True),
    "laptop": (1024, 768, False),
    "desktop": (1440, 900, False),
}

MEASURE = """
// Graphs the page shows (a graph hidden on purpose, like the Draw page's upload view before an
// upload, is left out).
const graphs = [...document.querySelectorAll('.js-plotly-plot')]
  .filter(g => g.checkVisibility()).map(g => {
  const r = g.getBoundingClientRect();
  const id = (g.closest('[id]') || g).id;
  return {id: id, width: Math.round(r.width), height: Math.round(r.height)};
});
return {scroll_width: document.documentElement.scrollWidth, viewport_width: window.innerWidth,
        screen_width: window.screen.width,
        viewport_height: window.innerHeight, graphs: graphs};
"""

READING = """
const box = id => { const e = document.getElementById(id); const r = e.getBoundingClientRect();
  return {top: Math.round(r.top), bottom: Math.round(r.bottom),
          left: Math.round(r.left), right: Math.round(r.right)}; };
return {prediction: box(arguments[0]), bars: box(arguments[1]),
        text: document.getElementById(arguments[0]).innerText,
        viewport_width: window.innerWidth, viewport_height: window.innerHeight,
        scroll_y: Math.round(window.scrollY)};
"""


def emulate(driver, size: str) -> None:
    """Make the page `size` (a key of SIZES): its viewport, and touch input for phone and tablet."""
    width, height, touch = SIZES[size]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if touch else 1, "mobile": touch},
    )
    driver.execute_cdp_cmd(
        "Emulation.setTouchEmulationEnabled",
        {"enabled": touch, "maxTouchPoints": 5 if touch else 1},
    )


def measure_page(driver) -> dict:
    """The page's scroll width, the viewport's size, and each graph's id and size in CSS pixels."""
    return driver.execute_script(MEASURE)


def reading_box(driver) -> dict:
    """Where the Draw page's reading (`#prediction` and the bars) is in the viewport, and its
    text."""
    return driver.execute_script(READING, ids.DRAW_PREDICTION, ids.DRAW_BARS)


def on_screen(box: dict, width: int, height: int) -> bool:
    """Whether `box` (from `reading_box`) lies inside a viewport of `width` x `height`."""
    return (
        0 <= box["top"] and box["bottom"] <= height and 0 <= box["left"] and box["right"] <= width
    )


def stroke_points(driver, digit: int) -> list[list[tuple[int, int]]]:
    """The strokes of `digit` in viewport coordinates of the canvas as it is on screen now (not
    scrolled)."""
    rect = driver.execute_script(
        f"return document.querySelector('{CANVAS}').getBoundingClientRect().toJSON();"
    )
    left, top, box_width, box_height = DIGIT_BOX
    return [
        [
            (
                round(rect["x"] + (left + x * box_width) * rect["width"]),
                round(rect["y"] + (top + y * box_height) * rect["height"]),
            )
            for x, y in stroke
        ]
        for stroke in DIGIT_STROKES[digit]
    ]


def touch_stroke(driver, points: list[tuple[int, int]]) -> None:
    """One finger stroke through `points` (viewport pixels) with real touch events (DevTools Input
    domain)."""

    def send(kind, point):
        return driver.execute_cdp_cmd(
            "Input.dispatchTouchEvent",
            {  # noqa: E731
                "type": kind,
                "touchPoints": [] if point is None else [{"x": point[0], "y": point[1]}],
            },
        )

    send("touchStart", points[0])
    for point in points[1:]:
        send("touchMove", point)
        time.sleep(0.01)
    send("touchEnd", None)


def draw_without_scrolling(driver, digit: int, *, touch: bool) -> None:
    """Draw `digit` where the canvas is (the page is not scrolled first, as a person would not), by
    touch or mouse."""
    for points in stroke_points(driver, digit):
        (touch_stroke if touch else mouse_stroke)(driver, points)


def draw_and_locate_reading(driver, *, touch: bool, digit: int = 7, timeout: float = 20) -> dict:
    """Draw `digit` on the open Draw page; once read, where the reading is (`reading_box`)."""
    draw_without_scrolling(driver, digit, touch=touch)
    deadline = time.monotonic() + timeout
    box = reading_box(driver)
    while (
        not box["text"][:1].isdigit()
        and not box["text"].startswith("Not sure")
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
        box = reading_box(driver)
    return box
