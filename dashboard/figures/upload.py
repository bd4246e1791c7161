"""The uploaded image as the Draw page shows it: the photo, a box around each mark found, its
reading above."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import CORRECT, NEUTRAL, styled

MAX_SIDE = 480  # pixels of the longer side sent to the browser (the model read the full image)
HEIGHT = 320


def _display_rgb(image: np.ndarray) -> tuple[np.ndarray, float]:
    """`image` (gray, BGR or BGRA uint8) as RGB no larger than `MAX_SIDE`, and the scale applied."""
    array = np.asarray(image)
    if array.dtype != np.uint8:  # 16-bit or float scans: stretched to 0-255 for display only
        finite = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        # OpenCV's stubs omit the documented `dst=None` (allocate the output)
        stretched = cv2.normalize(  # type: ignore[call-overload]
            finite, None, 0, 255, cv2.NORM_MINMAX
        )
        array = stretched.astype(np.uint8)
    if array.ndim == 2:
        rgb = cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        rgb = cv2.cvtColor(array, cv2.COLOR_BGRA2RGB if array.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    else:
        raise ValueError(f"image must be (h, w), (h, w, 3) or (h, w, 4), got shape {array.shape}")
    scale = min(1.0, MAX_SIDE / max(rgb.shape[:2]))
    if scale < 1:
        rgb = cv2.resize(
            rgb,
            (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale))),
            interpolation=cv2.INTER_AREA,
        )
    return rgb, scale


def fig_upload(
    image: np.ndarray,
    boxes: Sequence[tuple[int, int, int, int]],
    captions: Sequence[str],
    refused: Sequence[bool],
    *,
    title: str,
) -> go.Figure:
    """The uploaded `image` with a box (x, y, width, height in its pixels) around each mark and its
    caption above;
    boxes of marks refused as not digits are drawn grey and dashed."""
    if not len(boxes) == len(captions) == len(refused):
        raise ValueError(
            f"boxes, captions and refused must have one entry per mark, got "
            f"{len(boxes)}, {len(captions)} and {len(refused)}"
        )
    rgb, scale = _display_rgb(image)
    figure = go.Figure(go.Image(z=rgb, hoverinfo="skip"))
    for (x, y, width, height), caption, grey in zip(boxes, captions, refused, strict=False):
        x0, y0, x1, y1 = (v * scale for v in (x, y, x + width, y + height))
        colour = NEUTRAL if grey else CORRECT
        figure.add_shape(
            type="rect",
            x0=x0,
            y0=y0,
            x1=x1,
            y1=y1,
            line={"color": colour, "width": 3, "dash": "dash" if grey else "solid"},
        )
        figure.add_annotation(
            x=(x0 + x1) / 2,
            y=y0,
            text=caption,
            showarrow=False,
            yshift=10,
            yanchor="bottom",
            font={"color": colour, "size": 14},
            bgcolor="rgba(255,255,255,0.8)",
        )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x")
    return styled(figure, title=title, height=HEIGHT)
