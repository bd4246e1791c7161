"""Drawing on the Draw page's dash-canvas, along `drawing.DIGIT_STROKES`: as JSON, or with the real
mouse.

`sketch_json` builds the JSON dash-canvas saves, for tests that call the page's code directly;
`draw_digit` moves the real pointer over the canvas in Selenium, for browser tests and
bench/draw_latency.py. Both place a digit's unit-box strokes in a `box` of the canvas.
"""

from __future__ import annotations

import json

from dashboard.drawing import canvas as dash_canvas_data
from tests.support.drawing import DIGIT_STROKES

# the canvas fabric.js listens on (dash-canvas's id is not in the HTML)
CANVAS = ".draw-canvas canvas.upper-canvas"
DIGIT_BOX = (0.25, 0.1, 0.5, 0.8)  # left, top, width, height of a digit as fractions of the canvas
MOVE_MS = 8  # duration of each pointer move


def _points(
    stroke, box, width: float, height: float, x0: float = 0.0, y0: float = 0.0
) -> list[tuple[float, float]]:
    left, top, box_width, box_height = box
    return [
        (x0 + (left + x * box_width) * width, y0 + (top + y * box_height) * height)
        for x, y in stroke
    ]


def sketch_json(
    digits: dict[int, tuple[float, float, float, float]] | int,
    *,
    pen: float = 18,
    size: int = dash_canvas_data.SIZE,
) -> str:
    """The JSON dash-canvas saves after drawing each digit in its box (or one digit in `DIGIT_BOX`).

    Like fabric.js's pencil, each stroke is a path: M, quadratic segments to midpoints, then L.
    """
    boxes = {digits: DIGIT_BOX} if isinstance(digits, int) else digits
    objects: list[dict] = [
        {"type": "image", "scaleX": 2, "scaleY": 2, "src": dash_canvas_data.blank_backgrounds()[0]}
    ]
    for digit, box in boxes.items():
        for stroke in DIGIT_STROKES[digit]:
            points = _points(stroke, box, size, size)
            path = [["M", *points[0]]]
            path += [
                ["Q", x0, y0, (x0 + x1) / 2, (y0 + y1) / 2]
                for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)
            ]
            path.append(["L", *points[-1]])
            objects.append(
                {"type": "path", "strokeWidth": pen, "scaleX": 1, "scaleY": 1, "path": path}
            )
    return json.dumps({"version": "2.4.1", "objects": objects})


def mouse_stroke(driver, points: list[tuple[int, int]]) -> None:
    """One mouse stroke through `points` (viewport pixels): press, move through them, release."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver, duration=MOVE_MS)
    actions.pointer_action.move_to_location(*points[0])
    actions.pointer_action.pointer_down()
    for point in points[1:]:
        actions.pointer_action.move_to_location(*point)
    actions.pointer_action.pointer_up()
    actions.perform()


def draw_digit(
    driver, canvas, digit: int, box: tuple[float, float, float, float] = DIGIT_BOX
) -> None:
    """Draw `digit` on the `canvas` element stroke by stroke: press, move through its points,
    release."""
    rect = driver.execute_script(
        "arguments[0].scrollIntoView({block: 'nearest'}); return "
        "arguments[0].getBoundingClientRect().toJSON();",
        canvas,
    )
    for stroke in DIGIT_STROKES[digit]:
        mouse_stroke(
            driver,
            [
                (round(x), round(y))
                for x, y in _points(
                    stroke, box, rect["width"], rect["height"], rect["x"], rect["y"]
                )
            ],
        )


TWO_DIGITS = {
    1: (0.08, 0.2, 0.3, 0.6),
    0: (0.55, 0.2, 0.35, 0.6),
}  # "10": digit -> (x, y, width, height), well apart
