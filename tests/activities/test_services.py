"""Putting on, changing and cancelling activities and dates; what organisers and those who came can do after."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from buurthulp import access
from buurthulp.activities import services, signups
from buurthulp.activities.dates import occurrence
from buurthulp.activities.models import (
    ActivityKind,
    ActivityStatus,
    Audience,
    Cost,
    Repeat,
    SignupStatus,
)
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.posts.models import Block, Notification, NotificationKind
from buurthulp.timeutil import local_to_utc, local_today
from tests.conftest import mail_text


def _input(aw, **kw):
    data = services.ActivityInput(title="Wandelen", kind=ActivityKind.WALK, starts_on=aw.first, start_time=time(14),
                                  place_note="Bij de kerk")
    return replace(data, **kw)


def _kinds(person):
    return [n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.neighbour_id == person.id)
                                               .order_by(Notification.id))]


@pytest.mark.parametrize("change,message", [
    ({"title": "  "}, "name"),
    ({"starts_on": "past"}, "passed"),
    ({"starts_on": "far"}, "within a year"),
    ({"repeat": Repeat.WEEKLY, "repeat_until": "before"}, "last date"),
    ({"capacity": 0}, "places"),
    ({"cost": Cost.AMOUNT, "cost_cents": None}, "costs"),
    ({"audience": Audience.OTHER}, "who the activity is for"),
    ({"place_note": ""}, "place"),
])
def test_what_cannot_be_is_refused_with_a_clear_message(app, aw, change, message):
    today = local_today()
    values = {"past": today - timedelta(days=1), "far": today + timedelta(days=400),
              "before": aw.first - timedelta(days=1)}
    data = _input(aw, **{k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    with pytest.raises(DomainError) as refused:
        services.put_on(db.session, aw.anna, data)
    with app.test_request_context(), force_locale("en"):
        assert message in str(refused.value.message).lower()


def test_only_a_coordinator_puts_on_an_activity_for_the_initiative(aw):
    activity = services.put_on(db.session, aw.coordinator, _input(aw, initiative_id=aw.kracht.id))
    assert activity.initiative_id == aw.kracht.id
    with pytest.raises(NotAllowed):
        services.put_on(db.session, aw.anna, _input(aw, initiative_id=aw.kracht.id))


def test_changing_the_time_tells_everyone_coming_at_once(app, aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    data = _input(aw, title="Koffieochtend", kind=ActivityKind.COFFEE, repeat=Repeat.WEEKLY, start_time=time(11),
                  place_id=aw.centre.id, place_note="", capacity=2)
    services.change(db.session, aw.otto, aw.coffee, data)
    db.session.commit()
    assert _kinds(aw.anna) == [NotificationKind.ACTIVITY_CHANGED]
    mails = [m for m in outbox() if m["To"] == "anna@example.org"]
    assert len(mails) == 1 and "Koffieochtend" in mail_text(mails[0]) and "11:00" in mail_text(mails[0])


def test_more_places_move_the_waiting_list_up(aw):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    data = _input(aw, title="Koffieochtend", kind=ActivityKind.COFFEE, repeat=Repeat.WEEKLY, start_time=time(10),
                  place_id=aw.centre.id, place_note="", capacity=3, duration_minutes=120)
    services.change(db.session, aw.otto, aw.coffee, data)
    assert signups.signup_of(db.session, aw.coffee, aw.first, aw.joost.id).status == SignupStatus.COMING
    assert _kinds(aw.joost) == [NotificationKind.ACTIVITY_MOVED_UP]
    assert _kinds(aw.anna) == []  # same time and place: nothing to tell


def test_only_organisers_change_cancel_or_move(aw):
    for action in (lambda p: services.cancel(db.session, p, aw.coffee),
                   lambda p: services.cancel_date(db.session, p, aw.coffee, aw.first),
                   lambda p: services.message_coming(db.session, p, aw.coffee, aw.first, "Hoi")):
        with pytest.raises(NotAllowed):
            action(aw.anna)


def test_cancelling_a_date_mails_those_coming_and_waiting_and_closes_it(aw, outbox):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    told = services.cancel_date(db.session, aw.otto, aw.coffee, aw.first, "Het buurthuis is dicht.")
    db.session.commit()
    assert told == 3
    assert {m["To"] for m in outbox()} == {"anna@example.org", "bert@example.org", "joost@example.org"}
    assert "Het buurthuis is dicht." in mail_text(outbox()[0])
    with pytest.raises(DomainError):
        signups.join(db.session, aw.karin, aw.coffee, aw.first)
    assert occurrence(db.session, aw.coffee, aw.first).cancelled


def test_cancelling_the_activity_ends_every_coming_date(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first + timedelta(days=7))
    assert services.cancel(db.session, aw.otto, aw.coffee) == 1
    assert aw.coffee.status == ActivityStatus.CANCELLED
    with pytest.raises(NotAllowed):
        signups.join(db.session, aw.bert, aw.coffee, aw.first)


def test_moving_a_date_keeps_who_comes(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, aw.first + timedelta(days=1), time(15))
    o = occurrence(db.session, aw.coffee, aw.first)
    assert (o.day, o.start_time, o.coming) == (aw.first + timedelta(days=1), time(15), 1)
    with pytest.raises(DomainError):  # onto another date of the series
        services.move_date(db.session, aw.otto, aw.coffee, aw.first + timedelta(days=14), aw.first + timedelta(days=7),
                           time(10))


def test_after_the_date_the_organiser_counts_and_those_who_came_leave_a_note(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    with pytest.raises(DomainError):  # not yet
        services.record_attendance(db.session, aw.otto, aw.coffee, aw.first, 9)
    now = local_to_utc(aw.first + timedelta(days=1), time(12))
    services.record_attendance(db.session, aw.otto, aw.coffee, aw.first, 9, now=now)
    assert occurrence(db.session, aw.coffee, aw.first).row.attendance == 9
    note = services.add_note(db.session, aw.anna, aw.coffee, aw.first, "Leuk om te doen!", now=now)
    assert note.body == "Leuk om te doen!"
    with pytest.raises(DomainError):
        services.add_note(db.session, aw.anna, aw.coffee, aw.first, "Nog een", now=now)
    with pytest.raises(NotAllowed):  # did not come
        services.add_note(db.session, aw.bert, aw.coffee, aw.first, "Leuk", now=now)


def test_a_message_reaches_everyone_coming_but_the_writer(aw):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    services.message_coming(db.session, aw.otto, aw.coffee, aw.first, "Neem een mok mee")
    assert _kinds(aw.anna) == [NotificationKind.ACTIVITY_MESSAGE]
    assert _kinds(aw.joost) == []  # waiting, not coming


def test_organisers_come_and_go_but_one_stays(aw):
    with pytest.raises(DomainError):
        services.add_organiser(db.session, aw.otto, aw.coffee, aw.bert)  # did not sign up
    signups.join(db.session, aw.bert, aw.coffee, aw.first)
    services.add_organiser(db.session, aw.otto, aw.coffee, aw.bert)
    assert [p.id for p in services.organisers(db.session, aw.coffee)] == [aw.otto.id, aw.bert.id]
    services.stop_organising(db.session, aw.otto, aw.coffee)
    with pytest.raises(DomainError):
        services.stop_organising(db.session, aw.bert, aw.coffee)


def test_blocked_people_do_not_see_each_other(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.add(Block(blocker_id=aw.anna.id, blocked_id=aw.otto.id))
    db.session.flush()
    assert [s.neighbour_id for s in signups.signups(db.session, aw.coffee, aw.first, aw.otto)] == []
    assert not access.may_see_activity(db.session, aw.anna, aw.coffee)


def test_a_moderator_hides_and_nobody_else(aw):
    with pytest.raises(NotAllowed):
        services.hide(db.session, aw.anna, aw.coffee, True)
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    assert not access.may_see_activity(db.session, aw.anna, aw.coffee)
    assert access.may_see_activity(db.session, aw.otto, aw.coffee)
