"""The rota's scheduled jobs: open dates ask the circle, then the centre and brokers; missed check-ins are flagged.

Each date is stamped on its Shift row (``reminded_at``, ``escalated_at``, ``flagged_at``) in the transaction that
queues its mail, so a rerun, also after a crash half-way, mails nobody twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp.access.rules import served_by
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import rota_emails
from buurthulp.circles.models import (
    Circle,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
    RotaSlot,
    SlotKind,
)
from buurthulp.circles.rota import RotaDate, expand, slots_between
from buurthulp.circles.rota_emails import CircleDates, MailDate, mailable
from buurthulp.circles.shifts import shift_row
from buurthulp.jobs import Job
from buurthulp.neighbourhoods.models import Membership, MembershipStatus
from buurthulp.timeutil import local_today

REMIND_DAYS = 3     # an open date this many days ahead asks the circle
ESCALATE_DAYS = 1   # still open this many days ahead, the centre and the brokers hear it
MISSED_LOOKBACK = 3  # missed check-ins of the last days (catches up when a night's run did not happen)


def _active_circles(session, ids) -> dict[int, Circle]:
    return {c.id: c for c in session.scalars(sa.select(Circle).where(Circle.id.in_(ids))
                                             .options(so.joinedload(Circle.centre)))}


def _slots_of_active_circles(session, start, end, *, kind: SlotKind | None = None) -> list[RotaSlot]:
    active = sa.select(Circle.id).where(Circle.status == CircleStatus.ACTIVE)
    query = slots_between(active, start, end)
    if kind is not None:
        query = query.where(RotaSlot.kind == kind)
    return list(session.scalars(query.order_by(RotaSlot.circle_id, RotaSlot.id)))


def _brokers(session, circle_ids) -> dict[int, list[Neighbour]]:
    """The brokers of each circle: active brokers of its initiative, which serves its centre."""
    broker = so.aliased(Neighbour)
    rows = session.execute(
        sa.select(Circle.id, broker)
        .join(Neighbour, Neighbour.id == Circle.centre_id)
        .join(Membership, sa.and_(Membership.initiative_id == Circle.initiative_id, Membership.is_broker.is_(True),
                                  Membership.status == MembershipStatus.ACTIVE))
        .join(broker, broker.id == Membership.neighbour_id)
        .where(Circle.id.in_(circle_ids), served_by(Circle.initiative_id)))
    found: dict[int, list[Neighbour]] = defaultdict(list)
    for circle_id, person in rows:
        found[circle_id].append(person)
    return found


def _members(session, circle_ids, *, roles=None) -> dict[int, list[Neighbour]]:
    """Active members of each circle (of ``roles`` if given)."""
    query = (sa.select(CircleMember.circle_id, Neighbour).join(Neighbour, Neighbour.id == CircleMember.neighbour_id)
             .where(CircleMember.circle_id.in_(circle_ids), CircleMember.status == MemberStatus.ACTIVE))
    if roles is not None:
        query = query.where(CircleMember.role.in_(roles))
    found: dict[int, list[Neighbour]] = defaultdict(list)
    for circle_id, person in session.execute(query):
        found[circle_id].append(person)
    return found


class Mailbag:
    """What each person hears in this run: one mail per person, listing the dates of all their circles."""

    def __init__(self, circles: dict[int, Circle]):
        self.circles = circles
        self.people: dict[int, Neighbour] = {}
        self.groups: dict[int, dict[int, CircleDates]] = defaultdict(dict)

    def add(self, person: Neighbour, row: RotaDate, holder_name: str | None = None) -> None:
        if not mailable(person):
            return
        circle = self.circles[row.slot.circle_id]
        self.people[person.id] = person
        group = self.groups[person.id].setdefault(circle.id, CircleDates(circle, circle.centre.display_name))
        if not any(d.slot.id == row.slot.id and d.on_date == row.on_date for d in group.dates):
            group.dates.append(MailDate(row.slot, row.on_date, holder_name))

    def send(self, session, send) -> int:
        for person_id, groups in self.groups.items():
            for group in groups.values():
                group.dates.sort(key=lambda d: (d.on_date, d.slot.title))
            send(session, self.people[person_id], list(groups.values()))
        return len(self.groups)


def _stamp(session, row: RotaDate, **stamps) -> bool:
    """Stamp a date's row (made now if there is none); False if someone took the date in the meantime."""
    shift = row.shift
    if shift is None:
        shift, _made = shift_row(session, row.slot, row.on_date)
        row.shift = shift
    if shift.taken_by_id is not None or shift.done_at is not None:
        return False
    for name, value in stamps.items():
        setattr(shift, name, value)
    return True


def remind_open_dates(session, now: datetime) -> dict:
    """Job: open dates three days ahead ask the circle's members; still open a day ahead, the centre and brokers."""
    today = local_today(now)
    end = today + timedelta(days=REMIND_DAYS)
    slots = _slots_of_active_circles(session, today, end)
    open_rows = [r for r in expand(session, slots, today, end, with_people=False) if r.is_open and not r.done]
    to_remind = [r for r in open_rows if r.shift is None or r.shift.reminded_at is None]
    to_escalate = [r for r in open_rows if r.on_date <= today + timedelta(days=ESCALATE_DAYS)
                   and (r.shift is None or r.shift.escalated_at is None)]
    if not to_remind and not to_escalate:
        return {"reminded": 0, "escalated": 0, "mails": 0}
    circle_ids = {r.slot.circle_id for r in open_rows}
    circles = _active_circles(session, circle_ids)
    members = _members(session, circle_ids, roles=[MemberRole.COORDINATOR, MemberRole.MEMBER])
    reminders, alerts = Mailbag(circles), Mailbag(circles)
    reminded = escalated = 0
    for row in to_remind:
        if _stamp(session, row, reminded_at=now):
            reminded += 1
            for person in members[row.slot.circle_id]:
                reminders.add(person, row)
    brokers = _brokers(session, circle_ids) if to_escalate else {}
    for row in to_escalate:
        if _stamp(session, row, escalated_at=now):
            escalated += 1
            circle = circles[row.slot.circle_id]
            for person in [circle.centre, *brokers.get(circle.id, [])]:
                alerts.add(person, row)
    session.flush()
    mails = reminders.send(session, rota_emails.open_dates) + alerts.send(session, rota_emails.still_open)
    return {"reminded": reminded, "escalated": escalated, "mails": mails}


def flag_missed_check_ins(session, now: datetime) -> dict:
    """Job: a check-in of yesterday (or the days before) not ticked is flagged to the coordinators and brokers."""
    today = local_today(now)
    start, end = today - timedelta(days=MISSED_LOOKBACK), today - timedelta(days=1)
    slots = _slots_of_active_circles(session, start, end, kind=SlotKind.CHECK_IN)
    missed = [r for r in expand(session, slots, start, end) if not r.done
              and (r.shift is None or r.shift.flagged_at is None)]
    if not missed:
        return {"flagged": 0, "mails": 0}
    circle_ids = {r.slot.circle_id for r in missed}
    circles = _active_circles(session, circle_ids)
    coordinators = _members(session, circle_ids, roles=[MemberRole.CENTRE, MemberRole.COORDINATOR])
    brokers = _brokers(session, circle_ids)
    bag = Mailbag(circles)
    for row in missed:
        if row.shift is None:
            row.shift, _made = shift_row(session, row.slot, row.on_date)
        if row.shift.done_at is not None:
            continue
        row.shift.flagged_at = now
        holder = row.holder.display_name if row.holder is not None else None
        centre = circles[row.slot.circle_id].centre
        for person in [centre, *coordinators[row.slot.circle_id], *brokers.get(row.slot.circle_id, [])]:
            bag.add(person, row, holder)
    session.flush()
    return {"flagged": len(missed), "mails": bag.send(session, rota_emails.missed_check_ins)}


JOBS = [
    Job("circle_open_slots", remind_open_dates, every_minutes=60,
        description=_l("Open rota dates three days ahead ask the circle by mail; still open a day ahead, the "
                       "centre and the brokers hear it.")),
    Job("circle_missed_check_ins", flag_missed_check_ins, cron={"hour": 0, "minute": 30},
        description=_l("Check-ins of yesterday that nobody ticked are flagged to the circle's coordinators and "
                       "brokers.")),
]
