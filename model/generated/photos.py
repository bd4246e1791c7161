"""Photo-like images of numbers written on ruled or grid paper, for measuring the reading of photos.

Each image: paper of a random light colour with ruled lines (or a grid) at a random spacing; a
number
of 1-4 digits written on it (Hershey stroke faces or MNIST handwriting redrawn with a pen), in ink
of random colour and darkness, sitting on a ruled line, sometimes touching; then a slight rotation,
uneven light and a shadow with a soft edge, blur, sensor noise and JPEG compression. Returns BGR
uint8, as a phone photo decodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from model.generated import synthetic

Rng = np.random.Generator


@dataclass(frozen=True)
class PhotoNumber:
    """One generated photo: the BGR image and the number written on it."""

    image: np.ndarray
    text: str


def _digit_ink(
    digit: int, rng: Rng, height: float, pen: int, handwriting: np.ndarray | None
) -> np.ndarray:
    """The ink (uint8, cropped) of one digit: MNIST handwriting of that digit when given, else a
    Hershey face."""
    if handwriting is not None:
        return synthetic.pen_digit_ink(handwriting, height=height, pen=pen)
    font = synthetic.FONTS[int(rng.integers(len(synthetic.FONTS)))]
    return synthetic.render_text(
        str(digit), height=height, thickness=pen, font=font, italic=bool(rng.random() < 0.3)
    )


def _number_ink(
    text: str, rng: Rng, height: float, pools: dict[int, np.ndarray] | None
) -> np.ndarray:
    """The ink of a whole number, digits bottom-aligned, with gaps from touching (or slightly
    overlapping) to wide."""
    pen = int(rng.integers(2, max(3, int(height / 9)) + 1))
    use_handwriting = pools is not None and rng.random() < 0.6
    parts = []
    for char in text:
        pool = pools[int(char)] if use_handwriting and pools is not None else None
        sample = pool[int(rng.integers(len(pool)))] if pool is not None else None
        parts.append(
            _digit_ink(int(char), rng, height * float(rng.uniform(0.9, 1.05)), pen, sample)
        )
    touching = rng.random() < 0.2
    tall = max(part.shape[0] for part in parts)
    strip = np.zeros((tall, sum(p.shape[1] for p in parts) + len(parts) * int(height)), np.uint8)
    x = 0
    for part in parts:
        strip[tall - part.shape[0] :, x : x + part.shape[1]] = np.maximum(
            strip[tall - part.shape[0] :, x : x + part.shape[1]], part
        )
        gap = int(-pen * 0.5) if touching else int(rng.uniform(0.1, 0.5) * height)
        x = max(0, x + part.shape[1] + gap)
    return synthetic.crop_to_ink(strip)


def _paper(rng: Rng, shape: tuple[int, int], spacing: int, grid: bool, baseline: int) -> np.ndarray:
    """The paper's line layer (float 0-1, 1 = line) with a ruled line at `baseline`, and a grid when
    asked."""
    lines = np.zeros(shape, np.float32)
    thickness = int(rng.integers(1, 3))
    strength = float(rng.uniform(0.35, 0.8))
    for y in range(baseline % spacing, shape[0], spacing):
        cv2.line(lines, (0, y), (shape[1], y), strength, thickness, cv2.LINE_AA)
    if grid:
        for x in range(int(rng.integers(0, spacing)), shape[1], spacing):
            cv2.line(lines, (x, 0), (x, shape[0]), strength, thickness, cv2.LINE_AA)
    return lines


def _compose(rng: Rng, ink: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Paper colour, line colour and ink colour mixed into a BGR float image in [0, 255]."""
    paper = np.array(
        [rng.uniform(190, 255), rng.uniform(190, 255), rng.uniform(190, 255)], np.float32
    )
    paper = np.minimum(paper, paper.min() + 30)  # light and only slightly tinted
    line_colour = np.array(
        [rng.uniform(120, 220), rng.uniform(90, 170), rng.uniform(40, 140)], np.float32
    )  # bluish
    if rng.random() < 0.4:
        line_colour[:] = float(rng.uniform(90, 170))  # grey lines
    ink_colour = np.array(
        [rng.uniform(0, 110), rng.uniform(0, 70), rng.uniform(0, 60)], np.float32
    )  # black to blue
    darkness = float(rng.uniform(0.55, 1.0))
    image = paper * (1 - lines[..., None]) + line_colour * lines[..., None]
    alpha = (ink.astype(np.float32) / 255.0 * darkness)[..., None]
    return image * (1 - alpha) + ink_colour * alpha


def _light(rng: Rng, image: np.ndarray) -> np.ndarray:
    """Uneven light: a gradient across the page and a shadow with a soft edge, multiplied in."""
    height, width = image.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * cols / width + np.sin(angle) * rows / height
    light = 1.0 - float(rng.uniform(0.0, 0.35)) * (ramp - ramp.min()) / max(
        float(np.ptp(ramp)), 1e-6
    )
    if rng.random() < 0.7:  # a shadow: a half-plane with a blurred edge, anywhere over the page
        shadow_angle = rng.uniform(0, 2 * np.pi)
        offset = rng.uniform(0.2, 0.8)
        side = np.cos(shadow_angle) * (cols / width - offset) + np.sin(shadow_angle) * (
            rows / height - offset
        )
        softness = float(rng.uniform(0.01, 0.08))
        light *= 1.0 - float(rng.uniform(0.2, 0.5)) / (1.0 + np.exp(-side / softness))
    return image * light[..., None]


def _camera(rng: Rng, image: np.ndarray) -> np.ndarray:
    """Slight rotation, blur, noise and JPEG compression; returns the decoded BGR uint8 image."""
    height, width = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), float(rng.uniform(-4, 4)), 1.0)
    image = cv2.warpAffine(image, rotation, (width, height), borderMode=cv2.BORDER_REFLECT)
    trim_y, trim_x = (
        height // 12,
        width // 12,
    )  # the corners the rotation filled are cut away, as by a camera's frame
    image = image[trim_y : height - trim_y, trim_x : width - trim_x]
    sigma = float(rng.uniform(0, 1.5))
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image = image + rng.normal(0, rng.uniform(1, 8), image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 96))])
    if not ok:
        raise ValueError("JPEG encoding failed")
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError("JPEG decoding failed")
    return decoded


def photo_number(
    rng: Rng,
    *,
    pools: dict[int, np.ndarray] | None = None,
    text: str | None = None,
    grid: bool | None = None,
) -> PhotoNumber:
    """A photo-like image of the number `text` (random, 1-4 digits, when None) on ruled or grid
    paper
    (`grid`; random when None). `pools` maps each digit to MNIST images (n, 28, 28) of it, to write
    with
    real handwriting; without it the digits are in Hershey faces."""
    if text is None:
        text = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, 5))))
    if not (text.isdigit() and text.isascii() and 1 <= len(text) <= 8):
        raise ValueError(f"text must be 1 to 8 digits, got {text!r}")
    spacing = int(rng.integers(28, 70))
    grid = bool(rng.random() < 0.4) if grid is None else grid
    height = (
        spacing * float(rng.uniform(0.7, 0.95))
        if not grid
        else spacing * float(rng.uniform(0.8, 1.8))
    )
    ink = _number_ink(text, rng, height, pools)
    margin_x, margin_y = (
        int(rng.integers(40, 140)),
        int(rng.integers(spacing + 20, 2 * spacing + 40)),
    )
    shape = (ink.shape[0] + 2 * margin_y, ink.shape[1] + 2 * margin_x)
    page = np.zeros(shape, np.uint8)
    page[margin_y : margin_y + ink.shape[0], margin_x : margin_x + ink.shape[1]] = ink
    lines = _paper(
        rng, shape, spacing, grid, baseline=margin_y + ink.shape[0] + int(rng.integers(0, 3))
    )
    return PhotoNumber(_camera(rng, _light(rng, _compose(rng, page, lines))), text)


def digit_pools(images: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """MNIST images grouped by label, for `photo_number`'s handwriting."""
    return {digit: images[labels == digit] for digit in range(10)}
