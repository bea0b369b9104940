"""accounts.photos: what comes out of an upload, and what is refused."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from buurthulp.accounts import photos
from tests.accounts.photo_files import (
    BLUE,
    RED,
    huge_png,
    image_bytes,
    jpeg_with_gps_and_orientation,
    png_with_transparency,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_clean_square(data: bytes) -> Image.Image:
    image = opened(data)
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (photos.SIZE, photos.SIZE)
    assert not image.getexif() and "exif" not in image.info
    assert "icc_profile" not in image.info and "comment" not in image.info and "xmp" not in image.info
    return image


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_a_jpeg_with_gps_comes_out_without_any_metadata():
    original = jpeg_with_gps_and_orientation()
    assert opened(original).getexif().get_ifd(0x8825)  # the test file really has a location
    result = photos.square_jpeg(original)
    assert_clean_square(result)
    assert b"Telefoon" not in result and b"Dorpsstraat" not in result


def test_the_photo_is_turned_upright_by_its_orientation_before_the_tag_goes():
    image = assert_clean_square(photos.square_jpeg(jpeg_with_gps_and_orientation(orientation=6)))
    # the red left half of the sensor image is the top once turned 90° clockwise
    assert near(image.getpixel((128, 20)), RED) and near(image.getpixel((128, 236)), BLUE)


def test_without_an_orientation_the_square_is_cut_from_the_middle():
    image = assert_clean_square(photos.square_jpeg(jpeg_with_gps_and_orientation(orientation=1)))
    assert near(image.getpixel((20, 128)), RED) and near(image.getpixel((236, 128)), BLUE)


def test_a_png_with_transparency_works_on_white():
    image = assert_clean_square(photos.square_jpeg(png_with_transparency()))
    assert near(image.getpixel((5, 5)), (255, 255, 255), 10)
    assert near(image.getpixel((128, 128)), BLUE)


def test_a_huge_image_is_refused_before_it_is_decoded():
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.square_jpeg(huge_png())
    assert refused.value.message == photos.TOO_MANY_PIXELS


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own, before ours refuses
def test_an_image_just_over_the_pixel_limit_is_refused():
    with pytest.raises(photos.PhotoRefused):
        photos.square_jpeg(huge_png(8000, photos.MAX_PIXELS // 8000 + 1))


@pytest.mark.parametrize("data", [
    b"Dit is geen foto, maar een tekstbestand met de naam foto.jpg\n",
    b"",
    b"\xff\xd8\xff\xe0" + b"\0" * 200,  # a JPEG's first bytes, and nothing after
    image_bytes(fmt="GIF", mode="P"),
    image_bytes(fmt="BMP"),
    image_bytes(fmt="TIFF"),
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
], ids=["text", "empty", "truncated-jpeg", "gif", "bmp", "tiff", "svg"])
def test_what_is_not_a_jpeg_png_or_webp_is_refused(data):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.square_jpeg(data)
    assert refused.value.message == photos.WRONG_TYPE


def test_more_than_8_mb_is_refused():
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.square_jpeg(b"\xff" * (photos.MAX_UPLOAD_BYTES + 1))
    assert refused.value.message == photos.TOO_LARGE


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.integers(1, 700), height=st.integers(1, 700),
       kind=st.sampled_from([("JPEG", "RGB"), ("JPEG", "L"), ("JPEG", "CMYK"), ("PNG", "RGB"), ("PNG", "RGBA"),
                             ("PNG", "L"), ("PNG", "LA"), ("PNG", "P"), ("PNG", "1"), ("PNG", "I;16"),
                             ("WEBP", "RGB"), ("WEBP", "RGBA")]))
def test_every_accepted_image_becomes_a_clean_square_jpeg(width, height, kind):
    fmt, mode = kind
    assert_clean_square(photos.square_jpeg(image_bytes(width, height, mode, fmt)))


def test_an_animated_webp_gives_its_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, BLUE)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    image = assert_clean_square(photos.square_jpeg(out.getvalue()))
    assert near(image.getpixel((128, 128)), RED)


def test_a_consent_note_keeps_how_and_when_and_reads_in_words(app):
    note = photos.consent_note("by_phone", date(2025, 3, 4))
    assert note == "by_phone 2025-03-04"
    with app.test_request_context(), force_locale("en"):
        assert photos.consent_text(note) == "Agreed by phone on 4 March 2025"
        assert photos.consent_text("zomaar iets") == "zomaar iets"
    with pytest.raises(photos.PhotoRefused):
        photos.consent_note("shouted", date(2025, 3, 4))
