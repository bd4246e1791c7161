"""Digit images as PNG data URLs, and one image's ten probabilities as a bar chart."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import plotly.graph_objects as go

from dashboard.figures.theme import CORRECT, NEUTRAL, WRONG, styled


def png_data_url(image: np.ndarray) -> str:
    """A `data:image/png` URL of a uint8 grayscale image (white digit on black, as in MNIST)."""
    image = np.asarray(image)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"image must be a 2-D uint8 array, got {image.dtype}{image.shape}")
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"image of shape {image.shape} could not be encoded as PNG")
    return "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def digit_mosaic(images: np.ndarray, *, columns: int, gap: int = 2) -> np.ndarray:
    """The uint8 images (k, h, w) tiled `columns` a row on black with `gap` pixels between, as one
    uint8 image."""
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8 or len(images) == 0:
        raise ValueError(
            f"images must be a non-empty (k, h, w) uint8 array, got {images.dtype}{images.shape}"
        )
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    count, height, width = images.shape
    rows = -(-count // columns)
    mosaic = np.zeros((rows * (height + gap) - gap, columns * (width + gap) - gap), np.uint8)
    for position, image in enumerate(images):
        top, left = position // columns * (height + gap), position % columns * (width + gap)
        mosaic[top : top + height, left : left + width] = image
    return mosaic


def fig_probabilities(
    probabilities: np.ndarray, true_label: int, *, title: str | None = None
) -> go.Figure:
    """Bars of the ten probabilities: the true digit green, a wrong top prediction red, the rest
    grey."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (10,):
        raise ValueError(f"probabilities must have shape (10,), got {probabilities.shape}")
    if not 0 <= true_label < 10:
        raise ValueError(f"true_label must be a digit 0-9, got {true_label!r}")
    predicted = int(probabilities.argmax())
    colors = [NEUTRAL] * 10
    if predicted != true_label:
        colors[predicted] = WRONG
    colors[true_label] = CORRECT
    figure = go.Figure(
        go.Bar(
            x=list(range(10)),
            y=probabilities,
            marker_color=colors,
            text=[f"{p:.0%}" if p >= 0.005 else "" for p in probabilities],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="digit %{x}: %{y:.2%}<extra></extra>",
        )
    )
    figure.update_xaxes(
        title="digit (green: true, red: wrong answer)", tickmode="linear", dtick=1, fixedrange=True
    )
    figure.update_yaxes(title="probability", range=[0, 1.12], tickformat=".0%", fixedrange=True)
    return styled(figure, title=title, height=340)
