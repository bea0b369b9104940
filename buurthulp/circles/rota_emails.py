"""The rota's mails: open dates, dates still open a day ahead, missed check-ins. One mail per person per run,
listing every date of all their circles; in the recipient's language, queued in the job's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle, RotaSlot
from buurthulp.circles.rota import when_label
from buurthulp.mail import external_url, queue_email


@dataclass
class MailDate:
    slot: RotaSlot
    on_date: date
    holder_name: str | None = None


@dataclass
class CircleDates:
    """The dates of one circle in a mail, with the link to its rota."""

    circle: Circle
    centre_name: str
    dates: list[MailDate] = field(default_factory=list)
    # Made before any mail is queued: outside a request, external_url opens and closes a request context,
    # whose teardown (core.web drop_uncommitted_mail) forgets the folder mail queued so far.
    url: str = ""

    def __post_init__(self):
        self.url = self.url or external_url("circles.rota", circle_id=self.circle.id)


def mailable(person: Neighbour | None) -> bool:
    """Someone we can mail: a confirmed address, an account that is not deleted."""
    return bool(person is not None and person.email and person.email_confirmed_at and person.deleted_at is None)


def _send(session, person: Neighbour, template: str, groups: list[CircleDates]) -> None:
    queue_email(session, person.email, f"circles/{template}", person.locale, neighbour=person,
                groups=sorted(groups, key=lambda g: (g.centre_name, g.circle.id)), when=when_label)


def open_dates(session, person: Neighbour, groups: list[CircleDates]) -> None:
    """Ask a member to take open dates of their circles (three days ahead)."""
    _send(session, person, "rota_open_dates", groups)


def still_open(session, person: Neighbour, groups: list[CircleDates]) -> None:
    """Tell the centre or a broker that dates are still open a day ahead."""
    _send(session, person, "rota_still_open", groups)


def missed_check_ins(session, person: Neighbour, groups: list[CircleDates]) -> None:
    """Tell a coordinator or broker that check-ins were not ticked."""
    _send(session, person, "rota_missed_check_ins", groups)
