"""A red ellipse ring as PNG bytes: the circle drawn round a chosen SDG number.

XlsxWriter draws only rectangular shapes, so the seed's circled numbers are an image placed
over the number cell. The PNG is encoded here (zlib + the three chunks a PNG needs) rather than
with an imaging library: it is one small fixed picture, and the bytes stay identical run to run.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache

RING_WIDTH = 50
RING_HEIGHT = 26
"""Pixels (at 96 dpi: 37.5 x 19.5 pt): wide enough to go round a two-digit full-width number
(１７ in bold 10.5 pt is 21 pt wide) without crossing a digit."""
RING_RGB = (0xC0, 0x00, 0x00)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@cache
def ring_png(width: int = RING_WIDTH, height: int = RING_HEIGHT, thickness: float = 2.2) -> bytes:
    """An anti-aliased ellipse ring, transparent inside and out (RGBA PNG)."""
    cx, cy = width / 2, height / 2
    a, b = cx - thickness / 2 - 0.5, cy - thickness / 2 - 0.5
    sub = 4  # 4x4 supersampling per pixel
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            hits = 0
            for sy in range(sub):
                for sx in range(sub):
                    px = (x + (sx + 0.5) / sub - cx) / a
                    py = (y + (sy + 0.5) / sub - cy) / b
                    # distance from the ellipse, scaled back to pixels (first-order)
                    r = (px * px + py * py) ** 0.5
                    if abs(r - 1.0) * min(a, b) <= thickness / 2:
                        hits += 1
            raw.extend((*RING_RGB, round(255 * hits / (sub * sub))))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )
