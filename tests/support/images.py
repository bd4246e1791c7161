"""Hostile image files for tests and bench/: a decompression bomb and a float TIFF with NaN
pixels."""

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


def bomb_png(side: int = 32_000, *, bit_depth: int = 8) -> bytes:
    """A valid black PNG of `side`x`side` gray pixels: about a megabyte, `side`² bytes once decoded.

    Every 500 rows compress alike after a full flush, so the block is compressed once and repeated.
    """
    row = b"\x00" + bytes(-(-side * bit_depth // 8))  # filter byte + one row of zeros
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
    header = struct.pack(">IIBBBBB", side, side, bit_depth, 0, 0, 0, 0)
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


def data_url(data: bytes, mime: str) -> str:
    """`data` as the data URL dcc.Upload sends."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
