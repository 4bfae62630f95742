#!/usr/bin/env python3
"""Writes the sample uploads in this folder, with the standard library only.

- logo.png: a 16x16 RGB PNG (a green square with a white cross), complete and valid.
- logo.bmp: the same picture as a 24-bit BMP.
- clip.mp4: an ISO base media file: an `ftyp` box (brand isom) and an `mdat` box. Its boxes are
  well formed; it holds no playable track, which no check of an upload looks at.

Run it from anywhere; it rewrites the three files byte for byte the same.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 16
GREEN = (0x07, 0xC1, 0x60)
WHITE = (0xFF, 0xFF, 0xFF)


def pixel(x, y):
    return WHITE if x in (7, 8) or y in (7, 8) else GREEN


def png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)
    )
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def bmp():
    row = SIZE * 3
    padding = (4 - row % 4) % 4
    # Bottom-up rows, blue-green-red.
    pixels = b"".join(
        b"".join(bytes(reversed(pixel(x, y))) for x in range(SIZE)) + b"\x00" * padding
        for y in reversed(range(SIZE))
    )
    info = struct.pack("<IiiHHIIiiII", 40, SIZE, SIZE, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels


def mp4():
    def box(kind, data):
        return struct.pack(">I", 8 + len(data)) + kind + data

    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    return ftyp + box(b"mdat", b"wechatpay-rs sample upload " * 8)


for name, data in (("logo.png", png()), ("logo.bmp", bmp()), ("clip.mp4", mp4())):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
