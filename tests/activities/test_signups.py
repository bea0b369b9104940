"""Joining a date, the waiting list and leaving: the last place is taken once, the list moves up once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.activities import signups
from buurthulp.activities.dates import occurrence
from buurthulp.activities.models import Activity, ActivitySignup, SignupStatus
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.posts.models import Notification, NotificationKind
from tests.conftest import IS_SQLITE
from tests.factories import make_neighbour
from tests.races import at_once


def _status(aw, person):
    s = signups.signup_of(db.session, aw.coffee, aw.first, person.id)
    return s.status if s is not None else None


def test_joining_takes_a_place_then_the_waiting_list(aw):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    assert [_status(aw, p) for p in (aw.anna, aw.bert, aw.joost)] == [
        SignupStatus.COMING, SignupStatus.COMING, SignupStatus.WAITING]
    o = occurrence(db.session, aw.coffee, aw.first)
    assert (o.coming, o.waiting, o.full) == (2, 1, True)


def test_joining_twice_changes_nothing(aw):
    first = signups.join(db.session, aw.anna, aw.coffee, aw.first)
    again = signups.join(db.session, aw.anna, aw.coffee, aw.first)
    assert first.id == again.id
    assert occurrence(db.session, aw.coffee, aw.first).coming == 1


def test_leaving_moves_the_first_waiting_up_and_tells_them(aw):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    signups.leave(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    assert _status(aw, aw.joost) == SignupStatus.COMING
    told = db.session.scalars(sa.select(Notification).where(Notification.neighbour_id == aw.joost.id)).all()
    assert [n.kind for n in told] == [NotificationKind.ACTIVITY_MOVED_UP]
    assert told[0].activity_on == aw.first


def test_a_date_that_is_not_one_of_the_series_or_passed_is_refused(aw):
    with pytest.raises(DomainError):
        signups.join(db.session, aw.anna, aw.coffee, aw.first + timedelta(days=1))
    with pytest.raises(DomainError):
        signups.join(db.session, aw.anna, aw.coffee, aw.first - timedelta(days=7))


def test_someone_far_away_cannot_join(aw):
    with pytest.raises(NotAllowed):
        signups.join(db.session, aw.karin, aw.coffee, aw.first)


def test_a_broker_signs_up_the_neighbour_they_represent(aw):
    s = signups.join(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    assert s.signed_up_by_id == aw.broker.id and s.status == SignupStatus.COMING
    with pytest.raises(NotAllowed):
        signups.join(db.session, aw.jansen, aw.coffee, aw.first + timedelta(days=7), by=aw.coordinator)


def _race(app, activity_id, on_date, people_ids, action):
    errors = at_once(app, people_ids,
                     lambda i: (db.session, db.session.get(Neighbour, i), db.session.get(Activity, activity_id), on_date),
                     action)
    assert not errors, errors


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (CI runs it in its "
                                      "PostgreSQL step)")
def test_the_last_place_is_taken_once_when_many_click_at_once(app, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)  # one of two places left
    people = [make_neighbour(aw.zuilen).id for _ in range(8)]
    db.session.commit()
    _race(app, aw.coffee.id, aw.first, people, signups.join)
    rows = db.session.execute(sa.select(ActivitySignup.status, sa.func.count()).where(
        ActivitySignup.activity_id == aw.coffee.id, ActivitySignup.on_date == aw.first)
        .group_by(ActivitySignup.status)).all()
    assert dict(rows) == {SignupStatus.COMING: 2, SignupStatus.WAITING: 7}


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (CI runs it in its "
                                      "PostgreSQL step)")
def test_the_waiting_list_moves_up_exactly_once_when_people_leave_at_once(app, aw):
    coming = [make_neighbour(aw.zuilen) for _ in range(2)]
    waiting = [make_neighbour(aw.zuilen) for _ in range(5)]
    for person in coming + waiting:
        signups.join(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    _race(app, aw.coffee.id, aw.first, [p.id for p in coming], signups.leave)
    statuses = dict(db.session.execute(sa.select(ActivitySignup.neighbour_id, ActivitySignup.status).where(
        ActivitySignup.activity_id == aw.coffee.id, ActivitySignup.on_date == aw.first)).all())
    assert [statuses.get(p.id) for p in waiting] == [SignupStatus.COMING] * 2 + [SignupStatus.WAITING] * 3
    moved_up = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.ACTIVITY_MOVED_UP))
    assert moved_up == 2
