"""Putting on an activity, changing it, cancelling or moving a date, and what comes after a date.

Who comes (sign-ups, waiting list) is in ``signups``; the dates of a series in ``dates``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities import lifts, signups
from buurthulp.activities.dates import date_row, is_series_date, last_date, occurrence
from buurthulp.activities.emails import mail_change
from buurthulp.activities.models import (
    Activity,
    ActivityKind,
    ActivityMessage,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
    Audience,
    Cost,
    DateStatus,
    Repeat,
    SignupStatus,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.places.services import public_place
from buurthulp.posts.models import NotificationKind
from buurthulp.posts.notifications import notify
from buurthulp.timeutil import local_today

MAX_DAYS_AHEAD = 366       # a first date at most a year ahead
MAX_SERIES_DAYS = 2 * 366  # a series runs at most two years (or until stopped, without an end date)
MAX_CAPACITY = 1000
MAX_COST_CENTS = 100_000


@dataclass
class ActivityInput:
    """What the activity form gives a service, already validated for type and length."""

    title: str
    kind: ActivityKind
    starts_on: date
    start_time: time
    description: str = ""
    duration_minutes: int = 120
    repeat: Repeat = Repeat.ONCE
    repeat_until: date | None = None
    place_id: int | None = None
    place_note: str = ""
    capacity: int | None = None
    cost: Cost = Cost.FREE
    cost_cents: int | None = None
    audience: Audience = Audience.EVERYONE
    audience_note: str = ""
    show_notes: bool = True
    initiative_id: int | None = None  # put on by this initiative (the author coordinates it)
    extra: dict = field(default_factory=dict)


def check_input(session, data: ActivityInput, today: date, *, first_date_may_pass: bool = False) -> None:
    """Refuse what cannot be: a date passed or too far ahead, an end before the start, a cost without amount."""
    if not data.title.strip():
        raise DomainError(_l("Give the activity a name."))
    if not first_date_may_pass and data.starts_on < today:
        raise DomainError(_l("The date has already passed. Choose today or a later day."))
    if data.starts_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(_l("Choose a date within a year from now."))
    if not 1 <= data.duration_minutes <= 24 * 60:
        raise DomainError(_l("Choose how long it takes."))
    if data.repeat != Repeat.ONCE and data.repeat_until is not None:
        if data.repeat_until < data.starts_on:
            raise DomainError(_l("The last date comes before the first date."))
        if data.repeat_until > data.starts_on + timedelta(days=MAX_SERIES_DAYS):
            raise DomainError(_l("A series can run for at most two years. Choose an earlier last date."))
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise DomainError(_l("The number of places must be between 1 and 1000."))
    if data.cost == Cost.AMOUNT and not (data.cost_cents and 0 < data.cost_cents <= MAX_COST_CENTS):
        raise DomainError(_l("Fill in what it costs (at most € 1,000), or choose free or pay what you can."))
    if data.audience == Audience.OTHER and not data.audience_note.strip():
        raise DomainError(_l("Say who the activity is for."))
    if data.place_id is None and not data.place_note.strip():
        raise DomainError(_l("Choose a place, or say where it is."))
    if data.place_id is not None:
        public_place(session, data.place_id)  # a public place of the living map, or a 404


def _apply(activity: Activity, data: ActivityInput) -> None:
    activity.title = data.title.strip()
    activity.description = data.description.strip()
    activity.kind = data.kind
    activity.starts_on, activity.start_time = data.starts_on, data.start_time
    activity.duration_minutes = data.duration_minutes
    activity.repeat = data.repeat
    activity.repeat_until = data.repeat_until if data.repeat != Repeat.ONCE else None
    activity.last_on = last_date(data.repeat, data.starts_on, activity.repeat_until)
    activity.place_id = data.place_id
    activity.place_note = data.place_note.strip()
    activity.capacity = data.capacity
    activity.cost = data.cost
    activity.cost_cents = data.cost_cents if data.cost == Cost.AMOUNT else None
    activity.audience = data.audience
    activity.audience_note = data.audience_note.strip() if data.audience == Audience.OTHER else ""
    activity.show_notes = data.show_notes


def put_on(session, author: Neighbour, data: ActivityInput, now: datetime | None = None) -> Activity:
    """Put on an activity in the author's neighbourhood (or, for an initiative, in the name of one the author
    coordinates); the author organises it."""
    now = now or utcnow()
    if author.neighbourhood_id is None:
        raise DomainError(_l("Choose your neighbourhood on your profile first."))
    access.require_confirmed_email(author)
    check_input(session, data, local_today(now))
    activity = Activity(neighbourhood_id=author.neighbourhood_id, author_id=author.id, created_at=now,
                        status=ActivityStatus.ACTIVE)
    if data.initiative_id is not None:
        initiative = session.get(Initiative, data.initiative_id)
        if initiative is None or not access.may_put_on_for(session, author, initiative):
            raise NotAllowed(_l("Only a coordinator can put on an activity for this initiative."))
        activity.initiative_id = initiative.id
    _apply(activity, data)
    session.add(activity)
    session.flush()
    session.add(ActivityOrganiser(activity_id=activity.id, neighbour_id=author.id, created_at=now))
    session.flush()
    return activity


def _organise(session, actor: Neighbour, activity: Activity) -> None:
    if not access.may_organise(session, actor, activity):
        raise NotAllowed(_l("Only the organisers can change this activity."))


def change(session, actor: Neighbour, activity: Activity, data: ActivityInput, now: datetime | None = None) -> None:
    """Change an activity. Who comes to a coming date hears of a new time or place at once; more places move
    the waiting lists up."""
    now = now or utcnow()
    _organise(session, actor, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError(_l("This activity has been cancelled."))
    # a series that already began keeps its first date; a single date must not be moved into the past
    check_input(session, data, local_today(now), first_date_may_pass=data.starts_on == activity.starts_on)
    data.initiative_id = activity.initiative_id
    before = (activity.starts_on, activity.start_time, activity.place_id, activity.place_note.strip(),
              activity.repeat, activity.duration_minutes)
    signups.lock(session, activity)
    _apply(activity, data)
    after = (activity.starts_on, activity.start_time, activity.place_id, activity.place_note.strip(),
             activity.repeat, activity.duration_minutes)
    session.flush()
    if before != after:
        lifts.follow_series(session, activity, before[1], now)
        _tell_coming(session, actor, activity, NotificationKind.ACTIVITY_CHANGED, local_today(now), now)
    signups.move_up_all(session, activity, now)


def _tell_coming(session, actor: Neighbour, activity: Activity, kind: NotificationKind, from_day: date,
                 now: datetime, only_on: date | None = None) -> int:
    """Tell everyone coming or waiting for the dates from ``from_day`` (or only ``only_on``), and mail them at
    once: a change of plan cannot wait for the hourly batch."""
    query = sa.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
    query = (query.where(ActivitySignup.on_date == only_on) if only_on is not None
             else query.where(ActivitySignup.on_date >= from_day))
    told = 0
    for signup in session.scalars(query.order_by(ActivitySignup.id)):
        item = notify(session, signup.neighbour_id, kind, actor_id=actor.id, activity=activity,
                      activity_on=signup.on_date, now=now, mail=False)  # mailed here, not in the hourly mail too
        mail_change(session, item, now)
        told += 1
    return told


def cancel(session, actor: Neighbour, activity: Activity, now: datetime | None = None) -> int:
    """Cancel the whole activity: every coming date is off, and everyone coming hears it at once."""
    now = now or utcnow()
    _organise(session, actor, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError(_l("This activity has already been cancelled."))
    signups.lock(session, activity)
    activity.status = ActivityStatus.CANCELLED
    lifts.close_lifts(session, activity, now)
    return _tell_coming(session, actor, activity, NotificationKind.ACTIVITY_CANCELLED, local_today(now), now)


def cancel_date(session, actor: Neighbour, activity: Activity, on_date: date, note: str = "",
                now: datetime | None = None) -> int:
    """Cancel one date; everyone coming or waiting hears it at once."""
    now = now or utcnow()
    _organise(session, actor, activity)
    signups.lock(session, activity)
    o = signups.open_date(session, activity, on_date, now)
    row = o.row or date_row(session, activity, on_date)
    row.status, row.change_note, row.changed_at = DateStatus.CANCELLED, note.strip()[:300], now
    session.flush()
    lifts.close_lifts(session, activity, now, on_date=on_date)
    return _tell_coming(session, actor, activity, NotificationKind.ACTIVITY_CANCELLED, on_date, now, only_on=on_date)


def move_date(session, actor: Neighbour, activity: Activity, on_date: date, new_day: date, new_time: time,
              note: str = "", now: datetime | None = None) -> int:
    """Move one date to another day or time; who comes stays signed up and hears it at once."""
    now = now or utcnow()
    _organise(session, actor, activity)
    signups.lock(session, activity)
    o = signups.open_date(session, activity, on_date, now)
    if new_day < local_today(now):
        raise DomainError(_l("The new date has already passed."))
    if abs((new_day - on_date).days) > 31:
        raise DomainError(_l("A date can be moved by at most a month. Cancel it and add a new activity instead."))
    if new_day != on_date and is_series_date(activity, new_day):
        raise DomainError(_l("The activity already takes place on that day."))
    if new_day == o.day and new_time == o.start_time:
        raise DomainError(_l("Choose another day or time."))
    old_day, old_time = o.day, o.start_time
    row = o.row or date_row(session, activity, on_date)
    row.status = DateStatus.MOVED
    row.moved_to, row.moved_time = new_day, new_time
    row.change_note, row.changed_at = note.strip()[:300], now
    session.flush()
    lifts.move_lifts(session, activity, on_date, old_day, old_time, now)
    return _tell_coming(session, actor, activity, NotificationKind.ACTIVITY_CHANGED, on_date, now, only_on=on_date)


def record_attendance(session, actor: Neighbour, activity: Activity, on_date: date, number: int,
                      now: datetime | None = None) -> None:
    """How many came to a date that took place: a number, no names."""
    now = now or utcnow()
    _organise(session, actor, activity)
    o = occurrence(session, activity, on_date)
    if o is None or o.cancelled:
        raise DomainError(_l("This date did not take place."))
    if o.day > local_today(now):
        raise DomainError(_l("You can say how many came once the date has been."))
    if not 0 <= number <= 10_000:
        raise DomainError(_l("Fill in how many people came."))
    row = o.row or date_row(session, activity, on_date)
    row.attendance, row.attendance_at = number, now
    session.flush()


def add_note(session, author: Neighbour, activity: Activity, on_date: date, body: str,
             now: datetime | None = None) -> ActivityNote:
    """"Leuk om te doen": a note by someone who said they came, after the date; one per date."""
    now = now or utcnow()
    body = body.strip()
    if not body:
        raise DomainError(_l("Write a few words."))
    o = occurrence(session, activity, on_date, author.id)
    if o is None or o.cancelled or o.mine != SignupStatus.COMING:
        raise NotAllowed(_l("Only someone who came can leave a note."))
    if o.day > local_today(now):
        raise DomainError(_l("You can leave a note once the date has been."))
    if session.scalar(sa.select(ActivityNote.id).where(ActivityNote.activity_id == activity.id,
                                                       ActivityNote.on_date == on_date,
                                                       ActivityNote.author_id == author.id)):
        raise DomainError(_l("You already left a note for this date."))
    note = ActivityNote(activity_id=activity.id, on_date=on_date, author_id=author.id, body=body[:300],
                        created_at=now)
    session.add(note)
    session.flush()
    return note


def message_coming(session, actor: Neighbour, activity: Activity, on_date: date, body: str,
                   now: datetime | None = None) -> ActivityMessage:
    """An organiser writes to everyone coming to a date (in the app and in their batched mail)."""
    now = now or utcnow()
    _organise(session, actor, activity)
    body = body.strip()
    if not body:
        raise DomainError(_l("Write a message."))
    if occurrence(session, activity, on_date) is None:
        raise DomainError(_l("The activity does not take place on this date."))
    message = ActivityMessage(activity_id=activity.id, on_date=on_date, author_id=actor.id, body=body[:1000],
                              created_at=now)
    session.add(message)
    for neighbour_id in signups.coming_ids(session, activity, on_date):
        if neighbour_id != actor.id:
            notify(session, neighbour_id, NotificationKind.ACTIVITY_MESSAGE, actor_id=actor.id, activity=activity,
                   activity_on=on_date, now=now)
    session.flush()
    return message


def add_organiser(session, actor: Neighbour, activity: Activity, person: Neighbour,
                  now: datetime | None = None) -> None:
    """Make someone who signed up for the activity an organiser too."""
    _organise(session, actor, activity)
    came = session.scalar(sa.select(sa.exists().where(ActivitySignup.activity_id == activity.id,
                                                      ActivitySignup.neighbour_id == person.id)))
    if not came or access.is_blocked(session, actor.id, person.id):
        raise DomainError(_l("You can only ask someone who signed up for this activity."))
    if not access.is_organiser(session, person, activity):
        session.add(ActivityOrganiser(activity_id=activity.id, neighbour_id=person.id, created_at=now or utcnow()))
        session.flush()


def stop_organising(session, person: Neighbour, activity: Activity) -> None:
    """Stop being an organiser; an activity keeps at least one (or its initiative's coordinators)."""
    if not access.is_organiser(session, person, activity):
        raise DomainError(_l("You are not an organiser of this activity."))
    others = session.scalar(sa.select(sa.func.count()).select_from(ActivityOrganiser).where(
        ActivityOrganiser.activity_id == activity.id, ActivityOrganiser.neighbour_id != person.id))
    if not others and activity.initiative_id is None:
        raise DomainError(_l("Ask someone else to organise it first, or cancel the activity."))
    session.execute(sa.delete(ActivityOrganiser).where(ActivityOrganiser.activity_id == activity.id,
                                                       ActivityOrganiser.neighbour_id == person.id))


def hide(session, actor: Neighbour, activity: Activity, hidden: bool, now: datetime | None = None) -> None:
    """A moderator hides an activity (or shows it again)."""
    if not access.may_moderate_activity(session, actor, activity):
        raise NotAllowed(_l("Only a moderator of this neighbourhood can do this."))
    activity.hidden_at = (now or utcnow()) if hidden else None
    activity.hidden_by_id = actor.id if hidden else None


def organisers(session, activity: Activity) -> list[Neighbour]:
    """The organisers, in the order they came in: one query."""
    return list(session.scalars(sa.select(Neighbour).join(ActivityOrganiser, ActivityOrganiser.neighbour_id ==
                                                          Neighbour.id)
                                .where(ActivityOrganiser.activity_id == activity.id)
                                .order_by(ActivityOrganiser.created_at, Neighbour.id)))
