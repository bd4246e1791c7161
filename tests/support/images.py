"""Hostile image files for tests and bench/: a decompression bomb (grey, or 16-bit RGBA), a float
TIFF with NaN pixels, a grid of printed digits and an image of single-pixel dots."""

from __future__ import annotations

import base64
import struct
import zlib

import cv2
import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(side: int = 32_000, *, bit_depth: int = 8, rgba: bool = False) -> bytes:
    """A valid black PNG of `side`x`side` gray (or transparent RGBA) pixels: about a megabyte,
    `side`² bytes (times 4 channels for RGBA, times 2 for 16 bits) once decoded.

    Every 500 rows compress alike after a full flush, so the block is compressed once and repeated.
    """
    channels = 4 if rgba else 1
    row = b"\x00" + bytes(-(-side * channels * bit_depth // 8))  # filter byte + one row of zeros
    rows, rest = divmod(side, 500)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = block.compress(row * 500) + block.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(row * rest) + tail.flush(zlib.Z_FINISH)
    checksum = 1
    for _ in range(rows):
        checksum = zlib.adler32(row * 500, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    stream = b"\x78\xda" + repeated * rows + last + struct.pack(">I", checksum & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", side, side, bit_depth, 6 if rgba else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", stream)
        + _chunk(b"IEND", b"")
    )


def nan_tiff(size: int = 28) -> bytes:
    """A 32-bit float TIFF of a bright square on black whose centre pixels are NaN."""
    image = np.zeros((size, size), np.float32)
    image[6:22, 6:22] = 1.0
    image[12:16, 12:16] = np.nan
    ok, encoded = cv2.imencode(".tiff", image)
    assert ok
    return encoded.tobytes()


def digit_grid_png(columns: int = 40, rows: int = 20) -> bytes:
    """A PNG of `rows` lines of `columns` printed digits (OpenCV's Hershey font), dark on white."""
    image = np.full((rows * 40 + 20, columns * 30 + 20), 255, np.uint8)
    for row in range(rows):
        for column in range(columns):
            digit = str((row + column) % 10)
            at = (10 + column * 30, 40 + row * 40)
            cv2.putText(image, digit, at, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2, cv2.LINE_8)
    return _png(image)


def dots_png(side: int = 5000, step: int = 50) -> bytes:
    """A PNG of `side`x`side` black pixels with a single white pixel every `step` pixels."""
    image = np.zeros((side, side), np.uint8)
    image[step // 2 :: step, step // 2 :: step] = 255
    return _png(image)


def _png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return encoded.tobytes()


def data_url(data: bytes, mime: str) -> str:
    """`data` as the data URL dcc.Upload sends."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
