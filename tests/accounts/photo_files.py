"""Image files for the photo tests, made with Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

RED, BLUE = (220, 30, 30), (30, 30, 220)


def image_bytes(width=300, height=200, mode="RGB", fmt="JPEG", colour=None, **save) -> bytes:
    image = Image.new(mode, (width, height), colour if colour is not None else _default(mode))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def _default(mode):
    return {"RGB": RED, "RGBA": RED + (255,), "L": 120, "LA": (120, 255), "P": 3, "CMYK": (0, 200, 200, 0),
            "1": 1, "I;16": 30000}[mode]


def jpeg_with_gps_and_orientation(orientation=6) -> bytes:
    """Left half red, right half blue, with GPS, a camera make and an orientation tag (6: turn 90° clockwise)."""
    image = Image.new("RGB", (400, 200), BLUE)
    image.paste(RED, (0, 0, 200, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefoon"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 6.0, 37.8),
                                  ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (5.0, 5.0, 36.6)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128, comment=b"Dorpsstraat 12")
    return out.getvalue()


def png_with_transparency() -> bytes:
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    image.paste((30, 30, 220, 255), (30, 30, 90, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def huge_png(width=20_000, height=20_000) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels, in a few dozen bytes (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))
