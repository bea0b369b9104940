"""Profile photos: an upload checked and re-encoded with Pillow, stored, removed, and looked up for a page.

What is stored is never the upload itself: a new 256 × 256 RGB JPEG drawn from its pixels, turned upright by its
EXIF orientation first, so no EXIF, location, camera or colour profile data of the original is kept. Who sees a
photo is who sees the profile (``access.may_see_profile`` and its SQL form ``access.profile_seen_by``).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from buurthulp import access
from buurthulp.accounts.models import Neighbour, NeighbourPhoto
from buurthulp.db import utcnow
from buurthulp.errors import DomainError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# 40 million pixels: more than any phone photo at its normal setting (a 48 MP camera saves 12 MP by default),
# and a bound on the memory a decoded upload takes (about 160 MB in RGBA).
MAX_PIXELS = 40_000_000
SIZE = 256
QUALITY = 82
FORMATS = ("JPEG", "PNG", "WEBP")

# Pillow refuses (DecompressionBombError) at twice this and warns above it; the explicit check below refuses
# above it, so a bomb is never decoded.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class PhotoRefused(DomainError):
    pass


TOO_LARGE = _l("This photo is too large. Choose a photo of at most 8 MB.")
WRONG_TYPE = _l("This file is not a photo we can use. Choose a photo in JPEG, PNG or WebP format.")
TOO_MANY_PIXELS = _l("This photo has too many pixels. Choose a smaller photo, of at most 40 megapixels.")


def _flattened(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent parts become white (a circle on a light page)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I"):
        # 16-bit grey (PNG): scale to 8 bits, which plain conversion would clip to white
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _upright(image: Image.Image) -> Image.Image:
    """Turned as the camera meant (EXIF orientation); as it is where that tag cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block is no reason to refuse the pixels, which decoded fine
        return image


def square_jpeg(data: bytes) -> bytes:
    """The upload ``data`` as a centred square JPEG of SIZE × SIZE pixels without any metadata.

    Refuses (``PhotoRefused``) more than MAX_UPLOAD_BYTES, anything Pillow does not open as JPEG, PNG or WebP,
    and images of more than MAX_PIXELS pixels (decompression bombs).
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(TOO_LARGE)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(TOO_MANY_PIXELS)
            image.seek(0)  # the first frame of an animated PNG or WebP
            if image.format == "JPEG":
                image.draft("RGB", (SIZE * 2, SIZE * 2))  # decode at a fraction of the size: quicker, less memory
            image.load()
            upright = _upright(image)
            square = ImageOps.fit(_flattened(upright), (SIZE, SIZE), method=Image.Resampling.LANCZOS)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError):
        # Pillow's plugins answer a broken or foreign file with any of these.
        raise PhotoRefused(WRONG_TYPE) from None
    # A new image from the bare pixels: nothing of the original's info (EXIF, XMP, ICC, comments) travels along.
    clean = Image.frombytes("RGB", square.size, square.tobytes())
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


# --- consent, for a photo a broker adds for a proxy neighbour ------------------------------------

CONSENT_WAYS = {
    "in_person": _l("in person"),
    "by_phone": _l("by phone"),
    "through_referrer": _l("through the person who referred them"),
}


def consent_note(way: str, on: date) -> str:
    """How and when a proxy neighbour agreed, as stored in ``NeighbourPhoto.consent_note``: ``"<way> <date>"``."""
    if way not in CONSENT_WAYS:
        raise PhotoRefused(_l("Choose how they agreed."))
    return f"{way} {on.isoformat()}"


def consent_text(note: str) -> str:
    """A stored consent note in words: "Agreed in person on 4 March 2025"; an unknown form is shown as stored."""
    way, _, on = (note or "").partition(" ")
    try:
        day = date.fromisoformat(on)
    except ValueError:
        return note
    if way not in CONSENT_WAYS:
        return note
    return str(_l("Agreed %(way)s on %(date)s", way=CONSENT_WAYS[way], date=format_date(day, "d MMMM yyyy")))


# --- storing --------------------------------------------------------------------------------------

def set_photo(session, person: Neighbour, data: bytes, *, added_by: Neighbour, consent: str = "") -> NeighbourPhoto:
    """Check and re-encode ``data`` and make it ``person``'s photo (replacing one they had)."""
    image = square_jpeg(data)
    photo = session.get(NeighbourPhoto, person.id)
    if photo is None:
        photo = NeighbourPhoto(neighbour_id=person.id)
        session.add(photo)
    photo.image = image
    photo.added_by_id = added_by.id
    photo.consent_note = consent
    photo.updated_at = utcnow()
    session.flush()
    return photo


def remove_photo(session, person: Neighbour) -> bool:
    """Remove ``person``'s photo; whether there was one."""
    photo = session.get(NeighbourPhoto, person.id)
    if photo is None:
        return False
    session.delete(photo)
    session.flush()
    return True


def photo_of(session, person: Neighbour) -> NeighbourPhoto | None:
    return session.get(NeighbourPhoto, person.id)


def version(updated_at: datetime) -> int:
    """The number in a photo's address that changes with the photo, so a browser may keep it."""
    return int(updated_at.timestamp())


@dataclass(frozen=True)
class Photos:
    """For one page: the people whose photo the viewer may see, with each photo's version; ``get(id)``."""

    versions: dict[int, int]

    def get(self, neighbour_id) -> int | None:
        return self.versions.get(neighbour_id)


def visible_photos(session, viewer: Neighbour, people) -> Photos:
    """Which of ``people`` (neighbours or ids) have a photo that ``viewer`` may see (``access.profile_seen_by``),
    in one query, for a page that shows their avatars."""
    ids = {p if isinstance(p, int) else p.id for p in people if p is not None}
    ids.discard(None)
    if not ids or not getattr(viewer, "is_authenticated", False):
        return Photos({})
    rows = session.execute(
        sa.select(NeighbourPhoto.neighbour_id, NeighbourPhoto.updated_at)
        .join(Neighbour, Neighbour.id == NeighbourPhoto.neighbour_id)
        .where(NeighbourPhoto.neighbour_id.in_(ids), access.profile_seen_by(session, viewer))
    ).all()
    return Photos({row.neighbour_id: version(row.updated_at) for row in rows})


# --- export and erase -----------------------------------------------------------------------------

def export_photo(session, person: Neighbour) -> dict | None:
    """The photo for the person's own download: who added it, when, their consent, and the JPEG itself."""
    photo = session.get(NeighbourPhoto, person.id)
    if photo is None:
        return None
    return {
        "added_at": photo.updated_at.isoformat(),
        "added_by": "yourself" if photo.added_by_id == person.id else "a broker" if photo.added_by_id else None,
        "consent": photo.consent_note or None,
        "content_type": "image/jpeg",
        "width": SIZE,
        "height": SIZE,
        "data_base64": base64.b64encode(photo.image).decode("ascii"),
    }


def erase_photo(session, person: Neighbour) -> None:
    """On account deletion: the photo goes; photos this person added for others no longer name them."""
    session.execute(sa.delete(NeighbourPhoto).where(NeighbourPhoto.neighbour_id == person.id))
    session.execute(sa.update(NeighbourPhoto).where(NeighbourPhoto.added_by_id == person.id).values(added_by_id=None))
