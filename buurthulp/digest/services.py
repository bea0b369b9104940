"""Sending the monthly digest exactly once per neighbour and month, and the one-click unsubscribe.

The send walks the neighbours who want a digest in batches. For each one it
builds the digest, sends it, and commits a ``DigestDelivery`` row straight
after the mail server accepted it; a neighbour with nothing to show gets an
"empty" row and no mail. A rerun skips everyone with a row, so after a crash
it sends the rest and nobody twice. (Only a crash in the millisecond between
the server's "accepted" and that commit can repeat one mail; it has the same
Message-ID, so mail programs show it once.) A recipient the server refuses
gets a "failed" row and is tried again at the next run, up to five times.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from buurthulp.accounts.models import DigestPreference, Neighbour
from buurthulp.db import utcnow
from buurthulp.digest.content import DigestContent, build
from buurthulp.digest.models import DeliveryStatus, DigestDelivery
from buurthulp.errors import DomainError
from buurthulp.mail import REFUSED, MaybeDelivered, OutgoingEmail, Transport, build_message, render_email
from buurthulp.posts.display import reason_text
from buurthulp.timeutil import LOCAL, local_today, to_local

SEND_AT = time(9, 0)  # Europe/Amsterdam
MAX_ATTEMPTS = 5
BATCH = 200


# --- unsubscribe --------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="digest-unsubscribe")


def _fingerprint(email: str | None) -> str:
    return hashlib.sha256((email or "").lower().encode()).hexdigest()[:16]


def unsubscribe_token(neighbour: Neighbour) -> str:
    """A signed token for the one-click unsubscribe link; it only works for the address it was sent to."""
    return _serializer().dumps({"n": neighbour.id, "e": _fingerprint(neighbour.email)})


def neighbour_for_token(session, token: str) -> Neighbour | None:
    """The neighbour a token was made for; None when it was changed, or their address changed since."""
    try:
        data = _serializer().loads(token)
        neighbour = session.get(Neighbour, int(data["n"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if neighbour is None or neighbour.deleted_at is not None or data.get("e") != _fingerprint(neighbour.email):
        return None
    return neighbour


def unsubscribe(session, neighbour: Neighbour) -> None:
    """No more digests for this neighbour (they can switch it on again on their profile)."""
    neighbour.digest = DigestPreference.OFF


# --- one digest ---------------------------------------------------------------------------------

def message_id(edition: date, neighbour_id: int) -> str:
    """The same Message-ID whenever this digest is sent: a repeat is recognisably the same mail."""
    domain = current_app.config["MAIL_SENDER"].rpartition("@")[2].strip("> ") or "buurthulp.local"
    return f"<digest-{edition:%Y-%m}-{neighbour_id}@{domain}>"


@lru_cache(maxsize=4096)
def _reason_sentence(locale: str, reason: tuple) -> str:
    with force_locale(locale):
        return reason_text(dict(reason))


def _reason_text_in(locale: str):
    """``reason_text`` for one language, remembered: a digest shows the same few reasons (distances in steps of
    100 m, the week's 21 parts, a handful of codes) over and over, to everyone."""
    def text(reason: dict) -> str:
        try:
            return _reason_sentence(locale, tuple(sorted(reason.items())))
        except TypeError:  # a value that cannot be a key
            return reason_text(reason)
    return text


def compose(content: DigestContent) -> OutgoingEmail:
    """The digest as a mail with text and HTML, in the neighbour's language, with one-click unsubscribe.

    Needs a request context whose URLs are the public ones (``send_month`` makes one)."""
    neighbour = content.neighbour
    locale = neighbour.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    unsubscribe_url = url_for("digest.unsubscribe", token=unsubscribe_token(neighbour), _external=True)
    subject, text, html = render_email(
        "digest/digest", locale, content=content, neighbour=neighbour, unsubscribe_url=unsubscribe_url,
        profile_url=url_for("accounts.profile", _external=True), home_url=url_for("core.home", _external=True),
        reason_text=_reason_text_in(locale))
    headers = {
        "Message-ID": message_id(content.edition, neighbour.id),
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": "buurthulp digest <digest.buurthulp>",
        "Auto-Submitted": "auto-generated",
    }
    return OutgoingEmail(to=neighbour.email, subject=subject, text=text, html=html, headers=headers)


def public_urls():
    """A request context whose ``url_for(..., _external=True)`` gives the public address."""
    return current_app.test_request_context(base_url=current_app.config.get("PUBLIC_URL") or "http://localhost")


# --- the monthly send ---------------------------------------------------------------------------

@dataclass
class Summary:
    sent: int = 0
    empty: int = 0
    failed: int = 0
    uncertain: int = 0  # the reply after DATA was lost: not sent again in this run
    would_send: int = 0  # dry run

    def as_dict(self) -> dict:
        return {"sent": self.sent, "empty": self.empty, "failed": self.failed, "uncertain": self.uncertain,
                "would_send": self.would_send}


class MailServerDown(DomainError):
    """The mail server could not be reached: the run stopped; what was sent stays sent, the rest waits."""

    def __init__(self, summary: Summary, waiting: int, error: Exception):
        super().__init__(f"{type(error).__name__}: {error}")
        self.summary, self.waiting, self.error = summary, waiting, error


def recipients(edition: date):
    """Neighbours who want a monthly digest at a confirmed address and have none for this month yet."""
    done = sa.select(DigestDelivery.neighbour_id).where(
        DigestDelivery.month == edition,
        sa.or_(DigestDelivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.EMPTY]),
               DigestDelivery.attempts >= MAX_ATTEMPTS))
    return sa.select(Neighbour).where(
        Neighbour.digest == DigestPreference.MONTHLY, Neighbour.email.is_not(None),
        Neighbour.email_confirmed_at.is_not(None), Neighbour.deleted_at.is_(None), Neighbour.id.not_in(done))


def count_recipients(session, edition: date) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(recipients(edition).subquery()))


def send_month(session, edition: date, now: datetime | None = None, *, dry_run: bool = False,
               batch_size: int = BATCH, progress: Callable[[int], None] | None = None,
               transport: Transport | None = None) -> Summary:
    """Send this month's digest to everyone who has not had it; commits after every mail.

    A month that has not started is refused: sending it early would count as that month's edition."""
    now = now or utcnow()
    edition = edition.replace(day=1)
    if edition > local_today(now):
        raise DomainError(_l("The digest of %(month)s cannot be sent before that month has started.",
                             month=format_date(edition, "MMMM yyyy")))
    run = _Run(edition, Summary(), transport or Transport(current_app.config), current_app.config["MAIL_SENDER"],
               dry_run)
    real_session = session()  # the scoped session's own Session
    expire = real_session.expire_on_commit
    real_session.expire_on_commit = False  # a commit per mail must not reload the batch one by one
    # Batches go neighbourhood by neighbourhood: a batch then reads the posts and places of a few
    # neighbourhoods only, and memory stays the same however large the city.
    hood = sa.func.coalesce(Neighbour.neighbourhood_id, 0)
    last = (-1, 0)
    try:
        with public_urls():
            while True:
                batch = list(session.scalars(recipients(edition).where(sa.tuple_(hood, Neighbour.id) > last)
                                             .order_by(hood, Neighbour.id).limit(batch_size)))
                if not batch:
                    break
                last = (batch[-1].neighbourhood_id or 0, batch[-1].id)
                contents = build(session, batch, edition, now)
                rows = {d.neighbour_id: d for d in session.scalars(sa.select(DigestDelivery).where(
                    DigestDelivery.month == edition, DigestDelivery.neighbour_id.in_([n.id for n in batch])))}
                for neighbour in batch:
                    run.send_one(session, neighbour, contents[neighbour.id], rows.get(neighbour.id))
                if not dry_run:
                    session.commit()  # the empty ones
                # Memory stays flat, batch after batch; other objects (the scheduler's run) stay attached.
                for obj in list(session.identity_map.values()):
                    if isinstance(obj, DigestDelivery | Neighbour):
                        session.expunge(obj)
                if progress:
                    progress(len(batch))
    finally:
        run.transport.close()
        real_session.expire_on_commit = expire
    return run.summary


@dataclass
class _Run:
    """One sending run of a month's digest: where it sends, and what it counted."""

    edition: date
    summary: Summary
    transport: Transport
    sender: str
    dry_run: bool

    def send_one(self, session, neighbour: Neighbour, content: DigestContent, row: DigestDelivery | None) -> None:
        """Send (or count) one neighbour's digest and record it; a refused address fails that one only."""
        summary = self.summary
        if content.is_empty:
            if not self.dry_run:
                row = row or _new_row(session, neighbour, self.edition)
                row.status = DeliveryStatus.EMPTY
            summary.empty += 1
            return
        if self.dry_run:
            summary.would_send += 1
            return
        message = build_message(compose(content), self.sender)
        # A neighbour's first try (nearly everyone) is one plain INSERT: the ORM's flush of a new row costs
        # more CPU than rendering the mail. A retry updates the row it has.
        values = {"attempts": (row.attempts if row is not None else 0) + 1, "sections": ",".join(content.sections)}
        try:
            self.transport.send(message)
        except MaybeDelivered as exc:
            # it may have arrived: not again in this run; the next run sends it with the same Message-ID
            values.update(status=DeliveryStatus.UNCERTAIN, error=str(exc)[:500], message_id=message["Message-ID"])
            summary.uncertain += 1
        except REFUSED as exc:  # this recipient only; the others go on
            values.update(status=DeliveryStatus.FAILED, error=str(exc)[:500])
            summary.failed += 1
        except (OSError, smtplib.SMTPException) as exc:  # the server cannot be reached: stop, the rest waits
            session.rollback()  # nothing went out to this neighbour; every mail before it is committed already
            raise MailServerDown(summary, count_recipients(session, self.edition), exc) from exc
        else:
            values.update(status=DeliveryStatus.SENT, error="", message_id=message["Message-ID"], sent_at=utcnow())
            summary.sent += 1
        if row is None:
            session.execute(sa.insert(DigestDelivery.__table__),
                            {"month": self.edition, "neighbour_id": neighbour.id, **values})
        else:
            for name, value in values.items():
                setattr(row, name, value)
        session.commit()


def _new_row(session, neighbour, edition) -> DigestDelivery:
    row = DigestDelivery(month=edition, neighbour_id=neighbour.id, status=DeliveryStatus.FAILED, attempts=0,
                         error="", message_id="", sections="")
    session.add(row)
    return row


def export_deliveries(session, neighbour) -> dict:
    """The months a digest was sent to (or tried for) the person."""
    rows = session.scalars(sa.select(DigestDelivery).where(DigestDelivery.neighbour_id == neighbour.id)
                           .order_by(DigestDelivery.month)).all()
    return {"digests": [{"month": row.month.strftime("%Y-%m"), "status": str(row.status),
                         "sent_at": row.sent_at.isoformat() if row.sent_at else None} for row in rows]}


def forget_deliveries(session, neighbour) -> None:
    """On account deletion: the record of their digests goes (nothing more is sent to a deleted account)."""
    session.execute(sa.delete(DigestDelivery).where(DigestDelivery.neighbour_id == neighbour.id))


def digest_for(session, neighbour: Neighbour, edition: date, now: datetime | None = None) -> DigestContent:
    """One neighbour's digest, for a preview or the broker's print-out."""
    return build(session, [neighbour], edition.replace(day=1), now or utcnow())[neighbour.id]


def first_monday(day: date) -> date:
    first = day.replace(day=1)
    return date.fromordinal(first.toordinal() + (7 - first.weekday()) % 7)


def send_due(session, now: datetime) -> dict:
    """Job: from 09:00 on the first Monday of the month, send this month's digest to whoever has not had it
    (hourly: it catches up after a crash and retries refused recipients)."""
    local = to_local(now)
    start = datetime.combine(first_monday(local.date()), SEND_AT, tzinfo=LOCAL)
    if local < start:
        return Summary().as_dict()
    return send_month(session, local.date().replace(day=1), now).as_dict()
