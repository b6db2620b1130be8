"""Regenerates the two binary demo media files (self-made, no third-party content).

Run with: python3 widget/assets/demo/make_media.py
Writes media/aurora-logo.png (48x48 gradient sun) and media/chime.wav (0.4 s two-tone chime).
"""
import math
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "media")


def png(path, size=48):
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = math.hypot(x - c, y - c) / c
            if d <= 0.62:
                r, g, b = 255, int(170 + 60 * (1 - d)), 60
            else:
                t = y / size
                r, g, b = int(40 + 60 * t), int(30 + 20 * t), int(90 + 80 * t)
            row += bytes([r, g, b])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def wav(path, rate=8000, seconds=0.4):
    n = int(rate * seconds)
    samples = bytearray()
    for i in range(n):
        t = i / rate
        f = 880 if t < seconds / 2 else 1320
        env = math.exp(-6 * (t % (seconds / 2)))
        samples.append(int(128 + 90 * env * math.sin(2 * math.pi * f * t)))
    header = b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate, 1, 8
    ) + b"data" + struct.pack("<I", n)
    with open(path, "wb") as f:
        f.write(header + bytes(samples))


if __name__ == "__main__":
    png(os.path.join(HERE, "aurora-logo.png"))
    wav(os.path.join(HERE, "chime.wav"))
