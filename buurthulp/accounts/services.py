"""Registration, confirmation, log-in, password reset, profile, export and deletion."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from buurthulp.accounts import emails, photos, tokens
from buurthulp.accounts.models import (
    DigestPreference,
    InterestDirection,
    Neighbour,
    NeighbourInterest,
    find_by_email,
    new_session_token,
    normalise_email,
    normalise_postcode,
)
from buurthulp.accounts.tokens import InvalidToken
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.neighbourhoods.services import home_neighbourhood

DELETED_NAME = "—"


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def password_problem(password: str, *, email: str = "", name: str = ""):
    """Why a password is too weak, or None when it is fine."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _l("Choose a password of at least %(n)d characters.", n=minimum)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 4:
        return _l("This password is too common and easy to guess. Choose another, for example three unrelated words.")
    if email and lowered == email.lower() or email and lowered == email.split("@")[0].lower():
        return _l("Your password should not be your e-mail address.")
    if name and lowered == name.lower():
        return _l("Your password should not be your name.")
    return None


def register(session, *, display_name: str, email: str, password: str, postcode: str,
             neighbourhood: Neighbourhood | None, locale: str) -> Neighbour | None:
    """Create a neighbour and mail them a confirmation link.

    When the address already has an account, nothing is created and its owner is mailed instead (None):
    the person registering sees the same answer either way, so the form does not tell who has an account.
    """
    email = normalise_email(email)
    # The password is judged first: a weak one is refused whether or not the address is taken.
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise DomainError(problem)
    existing = find_by_email(session, email)
    if existing is not None:
        _hash_anyway(password)  # as long as a new account takes
        emails.registration_attempt(session, existing)
        return None
    postcode = normalise_postcode(postcode)
    neighbourhood = home_neighbourhood(session, postcode, chosen=neighbourhood)  # it follows the postcode
    neighbour = Neighbour(
        display_name=display_name.strip(),
        email=email,
        postcode=postcode,
        neighbourhood=neighbourhood,
        locale=locale,
    )
    if neighbourhood and neighbourhood.centre_lat is not None:
        neighbour.latitude, neighbour.longitude = neighbourhood.centre_lat, neighbourhood.centre_lon
    neighbour.set_password(password)
    session.add(neighbour)
    session.flush()
    emails.confirmation(session, neighbour)
    return neighbour


def confirm_email(session, token: str) -> Neighbour:
    """Mark the address in a valid confirmation link as confirmed."""
    neighbour, data = tokens.load(session, "confirm-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if data.get("email") != tokens.fingerprint(neighbour.email):
        raise InvalidToken(_l("This link was for another e-mail address. Ask for a new one."))
    if neighbour.email_confirmed_at is None:
        neighbour.email_confirmed_at = utcnow()
    return neighbour


def authenticate(session, email: str, password: str) -> Neighbour | None:
    """The neighbour with this e-mail and password, or None."""
    neighbour = find_by_email(session, email)
    if neighbour is None or not neighbour.is_active:
        # Hash anyway so that a wrong address takes as long as a wrong password.
        _dummy_check(password)
        return None
    if not neighbour.check_password(password):
        return None
    neighbour.last_login_at = utcnow()
    return neighbour


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method="scrypt")


def _dummy_check(password: str) -> None:
    check_password_hash(_dummy_hash(), password)


def _hash_anyway(password: str) -> None:
    generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def request_password_reset(session, email: str) -> None:
    """Mail a reset link if the address belongs to an account; say nothing either way."""
    neighbour = find_by_email(session, email)
    if neighbour is None or not neighbour.is_active:
        return
    emails.password_reset(session, neighbour)


def check_reset_token(session, token: str) -> Neighbour:
    """The neighbour a valid, unused reset link is for."""
    neighbour, data = tokens.load(session, "reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if data.get("pw") != tokens.fingerprint(neighbour.password_hash):
        raise InvalidToken(_l("This link has already been used. Ask for a new one if you need it."))
    return neighbour


def reset_password(session, token: str, password: str) -> Neighbour:
    """Set a new password from a reset link; also confirms the address it was sent to."""
    neighbour = check_reset_token(session, token)
    change_password(neighbour, password)
    if neighbour.email_confirmed_at is None:
        neighbour.email_confirmed_at = utcnow()
    return neighbour


def end_sessions(neighbour: Neighbour) -> None:
    """Log a neighbour out everywhere: every session and remember-me cookie they had stops working."""
    neighbour.session_token = new_session_token()


def change_password(neighbour: Neighbour, password: str) -> None:
    """Set a new password; every other session of this neighbour is logged out."""
    problem = password_problem(password, email=neighbour.email or "", name=neighbour.display_name)
    if problem:
        raise DomainError(problem)
    neighbour.set_password(password)


def set_interests(neighbour: Neighbour, direction: InterestDirection, categories) -> None:
    """Replace what a neighbour likes to do (offer) or could use help with (ask)."""
    wanted = {Category(c) for c in categories}
    neighbour.interests = [i for i in neighbour.interests if i.direction != direction] + [
        NeighbourInterest(direction=direction, category=c) for c in sorted(wanted, key=list(Category).index)
    ]


def round_location(value: float | None) -> float | None:
    """About 100 m: enough for "± 400 m", never an address."""
    return None if value is None else round(value, 3)


def update_profile(session, neighbour: Neighbour, *, display_name: str, about: str, postcode: str,
                   neighbourhood: Neighbourhood | None, likes: list, needs: list, availability: int,
                   locale: str, digest: DigestPreference, phone: str | None, share_email: bool,
                   share_phone: bool, notify_by_mail: bool = True) -> None:
    """Save the profile page; the neighbourhood follows the postcode (``neighbourhood`` is only a choice among
    those that cover it, see ``home_neighbourhood``)."""
    neighbour.display_name = display_name.strip()
    neighbour.about = (about or "").strip()
    new_postcode = normalise_postcode(postcode)
    home = home_neighbourhood(session, new_postcode, chosen=neighbourhood, person=neighbour)
    if home != neighbour.neighbourhood or new_postcode != neighbour.postcode:
        # about where they live now: the centre of their neighbourhood, or nothing where none covers it
        neighbour.latitude, neighbour.longitude = (home.centre_lat, home.centre_lon) if home else (None, None)
    neighbour.postcode = new_postcode
    neighbour.neighbourhood = home
    set_interests(neighbour, InterestDirection.OFFER, likes)
    set_interests(neighbour, InterestDirection.ASK, needs)
    neighbour.availability = availability
    neighbour.locale = locale
    neighbour.digest = digest
    neighbour.phone = (phone or "").strip() or None
    neighbour.share_email = share_email
    neighbour.share_phone = share_phone and bool(neighbour.phone)
    neighbour.notify_by_mail = notify_by_mail


def export_profile(session, neighbour: Neighbour) -> dict:
    """The neighbour's own profile, for their download (``privacy.export_data`` adds every other domain's part)."""
    def iso(value):
        return value.isoformat() if value else None

    return {
        "profile": {
            "id": neighbour.id,
            "display_name": neighbour.display_name,
            "email": neighbour.email,
            "email_confirmed_at": iso(neighbour.email_confirmed_at),
            "postcode": neighbour.postcode,
            "neighbourhood": neighbour.neighbourhood.name if neighbour.neighbourhood else None,
            "approximate_location": (
                {"latitude": neighbour.latitude, "longitude": neighbour.longitude}
                if neighbour.latitude is not None else None
            ),
            "about": neighbour.about,
            "language": neighbour.locale,
            "digest": str(neighbour.digest),
            "phone": neighbour.phone,
            "share_email_after_match": neighbour.share_email,
            "share_phone_after_match": neighbour.share_phone,
            "mail_about_responses": neighbour.notify_by_mail,
            "likes_to_do": [str(c) for c in neighbour.likes_to_do],
            "could_use_help_with": [str(c) for c in neighbour.could_use_help_with],
            "availability": [{"weekday": d.name.lower(), "part_of_day": p.name.lower()}
                             for d, p in neighbour.available_slots],
            "created_at": iso(neighbour.created_at),
            "last_login_at": iso(neighbour.last_login_at),
            # none, or the photo itself (a JPEG in base64) with when, by whom and with what consent it was added
            "photo": photos.export_photo(session, neighbour),
        },
    }


def pseudonymise(session, neighbour: Neighbour) -> None:
    """On account deletion, last of all: the neighbour's row keeps only what bookkeeping needs, under a pseudonym
    (the other domains have erased their part first; see ``privacy.delete_account``)."""
    photos.erase_photo(session, neighbour)
    neighbour.interests = []
    neighbour.display_name = DELETED_NAME
    neighbour.email = None
    neighbour.email_confirmed_at = None
    neighbour.password_hash = None
    neighbour.session_token = f"deleted-{neighbour.id}-{tokens.fingerprint(neighbour.session_token)}"
    neighbour.postcode = None
    neighbour.latitude = neighbour.longitude = None
    neighbour.about = ""
    neighbour.availability = 0
    neighbour.digest = DigestPreference.OFF
    neighbour.phone = None
    neighbour.share_email = neighbour.share_phone = False
    neighbour.is_admin = False
    neighbour.proxy_initiative_id = None
    neighbour.contact_route = ""
    neighbour.last_login_at = None
    neighbour.deleted_at = utcnow()
