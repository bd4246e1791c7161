"""The drawing canvas's data: read dash-canvas's `json_data` and rasterize its strokes with OpenCV.

dash-canvas (react-sketch, fabric.js) saves the sketch as JSON: `{"objects": [...]}` with the
background image first and one `path` object per pencil stroke. A path is a list of SVG-like
commands in canvas pixels: `["M", x, y]`, then `["Q", cx, cy, x, y]` segments, ending with
`["L", x, y]`. The pencil's quadratic segments pass through the mouse positions, so joining every
point of a path with a thick round-capped polyline redraws the stroke as the user saw it,
in about a millisecond (dash_canvas.utils.parse_jsonstring takes 60-80 ms and fails on numpy 2).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 280  # the canvas's side in pixels; strokes are rasterized at this size
# react-sketch draws its canvas 2 px narrower than the width it is given: give it this width.
COMPONENT_WIDTH = SIZE + 2
MAX_JSON_CHARS = 2_000_000  # a long, busy drawing is ~200 kB; more is not a drawing
MAX_POINTS = 100_000  # points over all strokes
MAX_STROKE_WIDTH = 200.0
COMMANDS = {"M": 2, "L": 2, "Q": 4, "C": 6}  # numbers each path command carries


@dataclass(frozen=True)
class Stroke:
    """One pencil stroke: its points (n, 2) as x, y canvas pixels, and its width in pixels."""

    points: np.ndarray
    width: float


def _number(value: object, where: str) -> float:
    """`value` as a finite float, or a `ValueError` naming `where` it was found."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"canvas data: {where} must be a finite number, got {value!r:.40}")
    return float(value)


def _path_points(path: object, where: str) -> list[float]:
    """The flat x, y list of every point of a path's commands."""
    if not isinstance(path, list):
        raise ValueError(
            f"canvas data: {where} 'path' must be a list of commands, got {type(path).__name__}"
        )
    flat: list[float] = []
    for number, command in enumerate(path):
        if not isinstance(command, list) or not command or command[0] not in COMMANDS:
            raise ValueError(
                f"canvas data: {where} command {number} must be a list starting with one of "
                f"{sorted(COMMANDS)}, got {command!r:.60}"
            )
        if len(command) != COMMANDS[command[0]] + 1:
            raise ValueError(
                f"canvas data: {where} command {number} ({command[0]}) must carry "
                f"{COMMANDS[command[0]]} numbers, got {len(command) - 1}"
            )
        flat.extend(_number(value, f"{where} command {number}") for value in command[1:])
    return flat


def parse_strokes(json_data: object) -> list[Stroke]:
    """The pencil strokes of dash-canvas's `json_data`; "" or None (nothing saved yet) gives none.

    Raises `ValueError` saying what is wrong when the data is not dash-canvas JSON, is larger
    than `MAX_JSON_CHARS` or holds more than `MAX_POINTS` points.
    """
    if json_data is None or json_data == "":
        return []
    if not isinstance(json_data, str):
        raise ValueError(f"canvas data must be a JSON string, got {type(json_data).__name__}")
    if len(json_data) > MAX_JSON_CHARS:
        raise ValueError(
            f"canvas data is too large ({len(json_data):,} characters, at most {MAX_JSON_CHARS:,})"
        )
    try:
        data = json.loads(json_data)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"canvas data is not valid JSON ({error.msg} at character {error.pos})"
        ) from error
    objects = data.get("objects") if isinstance(data, dict) else None
    if not isinstance(objects, list):
        raise ValueError("canvas data must be a JSON object with a list of 'objects'")
    strokes, total = [], 0
    for number, item in enumerate(objects):
        if not isinstance(item, dict) or item.get("type") != "path":
            continue  # the background image, or a shape the page does not offer
        where = f"object {number}"
        width = _number(item.get("strokeWidth", 1), f"{where} 'strokeWidth'")
        if not 0 < width <= MAX_STROKE_WIDTH:
            raise ValueError(
                f"canvas data: {where} 'strokeWidth' must be in (0, {MAX_STROKE_WIDTH:g}], got "
                f"{width:g}"
            )
        flat = _path_points(item.get("path"), where)
        total += len(flat) // 2
        if total > MAX_POINTS:
            raise ValueError(f"canvas data has too many points (more than {MAX_POINTS:,})")
        if flat:
            strokes.append(Stroke(np.array(flat, np.float64).reshape(-1, 2), width))
    return strokes


def rasterize(strokes: list[Stroke], size: int = SIZE) -> np.ndarray:
    """The strokes drawn white (255) on black in a uint8 (size, size) image, antialiased,
    round-capped."""
    image = np.zeros((size, size), np.uint8)
    shift = 4  # sub-pixel precision of the coordinates: 1/16 pixel
    for stroke in strokes:
        points = np.clip(stroke.points, -size, 2 * size) * (1 << shift)
        thickness = max(1, round(stroke.width))
        cv2.polylines(
            image, [points.round().astype(np.int32)], False, 255, thickness, cv2.LINE_AA, shift
        )
    return image


def canvas_image(json_data: object, size: int = SIZE) -> np.ndarray:
    """dash-canvas's `json_data` as a white-on-black uint8 (size, size) image; `ValueError` if
    malformed."""
    return rasterize(parse_strokes(json_data), size)


def blank_backgrounds() -> tuple[str, str]:
    """Two different data URLs of the same small black PNG, the canvas's background.

    dash-canvas clears its strokes when `image_content` changes, so Clear alternates the two.
    It sizes its height from the image's aspect ratio and `COMPONENT_WIDTH`, so the image is
    SIZE:COMPONENT_WIDTH (140 x 141) for a canvas of SIZE x SIZE.
    """
    black = np.zeros((SIZE // 2, COMPONENT_WIDTH // 2), np.uint8)
    urls = []
    for level in (1, 9):  # two compression levels: same pixels, different bytes
        ok, encoded = cv2.imencode(".png", black, [cv2.IMWRITE_PNG_COMPRESSION, level])
        urls.append("data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii"))
    if urls[0] == urls[1]:
        raise RuntimeError("OpenCV encoded the two canvas backgrounds identically")
    return urls[0], urls[1]
