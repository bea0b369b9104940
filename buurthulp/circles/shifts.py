"""Taking, giving back and swapping dates of the rota, and ticking them done (check-ins): one date of a slot is
a Shift row, made when something happens to it; two members taking the same date at once end with one holder
(the unique slot and date, and a conditional update)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import (
    CheckIn,
    Circle,
    Frequency,
    RotaSlot,
    Shift,
    SlotKind,
    SlotSeries,
)
from buurthulp.circles.rota import RotaDate, holder_of, is_slot_date, require_rule
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.signals import circle_help_done
from buurthulp.timeutil import local_today

HORIZON_DAYS = 28   # the rota shows the coming four weeks
PAST_DAYS = 7       # and, to tick them, your dates of the past week
STEP = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}
TITLE_MAX, NOTE_MAX = 100, 1000
MAX_MINUTES = 24 * 60

# the same words as the broker's notes (broker/forms.py NO_HEALTH): one message, one translation
NO_HEALTH = _l("Do not write health details here: only what brokers need to help.")




# --- taking and giving back ----------------------------------------------------------------------

def _check_date(session, person: Neighbour, slot: RotaSlot, day: date, today: date) -> Circle:
    circle = session.get(Circle, slot.circle_id)
    require_rule(access.may_take_dates, session, person, circle, _l("Only members of this circle can take dates."))
    if not is_slot_date(slot, day):
        raise DomainError(_l("This is not a date of this slot."))
    if day < today:
        raise DomainError(_l("This date has passed."))
    return circle


def _shift(session, slot: RotaSlot, day: date) -> Shift | None:
    return session.scalar(sa.select(Shift).where(Shift.slot_id == slot.id, Shift.on_date == day))


def _series_of(session, slot: RotaSlot, day: date) -> list[SlotSeries]:
    return list(session.scalars(sa.select(SlotSeries).where(
        SlotSeries.slot_id == slot.id, SlotSeries.starts_on <= day,
        sa.or_(SlotSeries.ends_on.is_(None), SlotSeries.ends_on >= day)).order_by(SlotSeries.starts_on.desc(),
                                                                                 SlotSeries.id.desc())))


def current_holder(session, slot: RotaSlot, day: date) -> tuple[Shift | None, int | None, SlotSeries | None]:
    """The stored row of a date (if any), who has it and by which series."""
    shift = _shift(session, slot, day)
    holder_id, series = holder_of(shift, _series_of(session, slot, day), day)
    return shift, holder_id, series


def shift_row(session, slot: RotaSlot, day: date, **values) -> tuple[Shift, bool]:
    """The stored row of a date, made now if there is none; True if this call made it.

    Made inside a savepoint: when someone else made it at the same moment, the unique (slot, date) refuses
    ours and theirs is read instead."""
    shift = _shift(session, slot, day)
    if shift is not None:
        return shift, False
    try:
        with session.begin_nested():
            shift = Shift(slot_id=slot.id, on_date=day, **values)
            session.add(shift)
    except IntegrityError:
        shift = _shift(session, slot, day)
        if shift is None:
            raise
        return shift, False
    return shift, True


def _taken(name: str | None, person_is_holder: bool) -> DomainError:
    if person_is_holder:
        return DomainError(_l("You already have this date."))
    return DomainError(_l("%(name)s already has this date.", name=name or _l("Someone")))


def _name(session, neighbour_id: int | None) -> str | None:
    person = session.get(Neighbour, neighbour_id) if neighbour_id is not None else None
    return person.display_name if person is not None else None


def take_date(session, person: Neighbour, slot: RotaSlot, day: date, today: date | None = None) -> Shift:
    """Take one open date of a slot; a date someone has is refused, naming them."""
    today = today or local_today()
    _check_date(session, person, slot, day, today)
    shift, holder_id, _series = current_holder(session, slot, day)
    if holder_id is not None:
        raise _taken(_name(session, holder_id), holder_id == person.id)
    if shift is None:
        shift, made = shift_row(session, slot, day, taken_by_id=person.id, given_back=False)
        if made:
            return shift
    # the row is there: take it only if it is still nobody's at the moment of writing
    done = session.execute(sa.update(Shift).where(Shift.id == shift.id, Shift.taken_by_id.is_(None))
                           .values(taken_by_id=person.id, given_back=False, updated_at=utcnow())
                           .execution_options(synchronize_session=False))
    session.refresh(shift)
    if done.rowcount != 1:
        raise _taken(_name(session, shift.taken_by_id), shift.taken_by_id == person.id)
    return shift


def take_series(session, person: Neighbour, slot: RotaSlot, from_day: date, today: date | None = None) -> SlotSeries:
    """Take every date of a slot from ``from_day`` on; dates others took on their own stay theirs."""
    today = today or local_today()
    _check_date(session, person, slot, from_day, today)
    # one series at a time per slot: the slot's row is the lock (a no-op on SQLite, which writes one at a time)
    session.scalar(sa.select(RotaSlot.id).where(RotaSlot.id == slot.id).with_for_update())
    other = session.scalar(sa.select(SlotSeries).where(
        SlotSeries.slot_id == slot.id, sa.or_(SlotSeries.ends_on.is_(None), SlotSeries.ends_on >= from_day))
        .order_by(SlotSeries.starts_on).limit(1))
    if other is not None:
        if other.neighbour_id == person.id:
            raise DomainError(_l("You already have this series."))
        raise DomainError(_l("%(name)s has this series from %(date)s.", name=_name(session, other.neighbour_id),
                             date=format_date(max(other.starts_on, from_day), format="d MMMM")))
    series = SlotSeries(slot_id=slot.id, neighbour_id=person.id, starts_on=from_day)
    session.add(series)
    # dates given back by an earlier holder are the new holder's again
    session.execute(sa.update(Shift).where(Shift.slot_id == slot.id, Shift.on_date >= from_day,
                                           Shift.taken_by_id.is_(None), Shift.given_back.is_(True))
                    .values(given_back=False, updated_at=utcnow()).execution_options(synchronize_session="fetch"))
    session.flush()
    return series


def give_back_date(session, person: Neighbour, slot: RotaSlot, day: date, today: date | None = None) -> Shift:
    """Give back one of your dates: it is open again, also when you have the whole series."""
    today = today or local_today()
    _check_date(session, person, slot, day, today)
    shift, holder_id, _series = current_holder(session, slot, day)
    if holder_id != person.id:
        raise DomainError(_l("This date is not yours."))
    if shift is not None and shift.done_at is not None:
        raise DomainError(_l("This date is done already."))
    if shift is None:
        shift, _made = shift_row(session, slot, day)
    shift.taken_by_id, shift.given_back = None, True
    session.flush()
    return shift


def give_back_series(session, person: Neighbour, slot: RotaSlot, from_day: date,
                     today: date | None = None) -> SlotSeries:
    """Give back your series of a slot from ``from_day`` on; dates before it stay yours."""
    today = today or local_today()
    circle = session.get(Circle, slot.circle_id)
    require_rule(access.may_take_dates, session, person, circle, _l("Only members of this circle can take dates."))
    from_day = max(from_day, today)
    series = session.scalar(sa.select(SlotSeries).where(
        SlotSeries.slot_id == slot.id, SlotSeries.neighbour_id == person.id,
        sa.or_(SlotSeries.ends_on.is_(None), SlotSeries.ends_on >= from_day)).order_by(SlotSeries.starts_on).limit(1))
    if series is None:
        raise DomainError(_l("You do not have this series."))
    series.ends_on = from_day - timedelta(days=1)
    session.flush()
    return series


def swap_date(session, person: Neighbour, slot: RotaSlot, day: date, other: Neighbour,
              today: date | None = None) -> Shift:
    """Hand one of your dates to another member of the circle (you agreed it with them)."""
    today = today or local_today()
    circle = _check_date(session, person, slot, day, today)
    if other.id == person.id or not access.may_take_dates(session, other, circle):
        raise DomainError(_l("Choose another member of this circle."))
    shift = give_back_date(session, person, slot, day, today)
    shift.taken_by_id, shift.given_back = other.id, False
    session.flush()
    return shift


# --- done and check-ins --------------------------------------------------------------------------

def tick(session, person: Neighbour, slot: RotaSlot, day: date, outcome: CheckIn | None = None, note: str = "",
         now: datetime | None = None, minutes: int | None = None) -> Shift:
    """Say a date of yours is done; a check-in says whether all is well or something needs attention.

    A help date may say how long it took (``minutes``): the pot of the circle's initiative may count it as help
    (it answers ``circle_help_done``)."""
    now = now or utcnow()
    circle = session.get(Circle, slot.circle_id)
    require_rule(access.may_take_dates, session, person, circle, _l("Only members of this circle can take dates."))
    if not is_slot_date(slot, day):
        raise DomainError(_l("This is not a date of this slot."))
    if day > local_today(now):
        raise DomainError(_l("You can say this is done once the day has come."))
    shift, holder_id, _series = current_holder(session, slot, day)
    if holder_id != person.id:
        raise DomainError(_l("This date is not yours."))
    if shift is not None and shift.done_at is not None:
        raise DomainError(_l("This date is done already."))
    note = (note or "").strip()
    if slot.kind == SlotKind.CHECK_IN:
        if outcome is None:
            raise DomainError(_l("Say whether all is well."))
        if outcome == CheckIn.ATTENTION and not note:
            raise DomainError(_l("Write in a few words what needs attention."))
        if len(note) > NOTE_MAX:
            raise DomainError(_l("Use at most 1000 characters."))
    else:
        outcome, note = None, ""
        if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
            raise DomainError(_l("Fill in how long it took: between a few minutes and 24 hours."))
    if shift is None:
        shift, _made = shift_row(session, slot, day)
    shift.taken_by_id, shift.given_back = person.id, False
    shift.done_at, shift.check_in = now, outcome
    shift.note = note if outcome == CheckIn.ATTENTION else ""
    shift.minutes = minutes if slot.kind == SlotKind.HELP else None
    session.flush()
    if shift.minutes:
        circle_help_done.send(session, shift=shift, slot=slot, circle=circle, now=now)  # the pot may count it
    return shift


def may_read_note(session, person: Neighbour, circle: Circle, row: RotaDate, *, readers: bool | None = None) -> bool:
    """A check-in's outcome and note: the centre and the circle's brokers, and the one who wrote it."""
    if row.shift is not None and row.shift.taken_by_id == person.id:
        return True
    return readers if readers is not None else access.may_read_check_in_notes(session, person, circle)
