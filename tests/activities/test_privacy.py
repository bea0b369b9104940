"""What activities keep about a person is in their export, and goes when they delete their account: what they put on
alone stops (those coming hear it), their place goes to the waiting list."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa

from buurthulp import privacy
from buurthulp.activities import services, signups
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivityKind,
    ActivityMessage,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
    DateStatus,
    SignupStatus,
)
from buurthulp.extensions import db
from buurthulp.posts.models import Notification, NotificationKind
from tests.conftest import mail_text


def rows(model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def walk(aw, author, **kw) -> Activity:
    return services.put_on(db.session, author, services.ActivityInput(
        title=kw.pop("title", "Wandelen"), kind=ActivityKind.WALK, starts_on=aw.first, start_time=time(14, 0),
        place_note="Bij de kerk", **kw))


def erase(person):
    privacy.delete_account(db.session, person)
    db.session.commit()


def test_the_export_holds_what_they_organise_sign_ups_notes_and_messages(aw):
    signups.join(db.session, aw.otto, aw.coffee, aw.first)
    services.message_coming(db.session, aw.otto, aw.coffee, aw.first, "Neem een vest mee")
    db.session.add(ActivityNote(activity_id=aw.coffee.id, on_date=aw.first - timedelta(days=7), author_id=aw.otto.id,
                                body="Leuk om te doen"))
    db.session.commit()
    data = privacy.export_data(db.session, aw.otto)["activities"]
    assert [(a["title"], a["repeat"], a["organiser"], a["put_on_by_you"]) for a in data["organised"]] == [
        ("Koffieochtend", "weekly", True, True)]
    assert [(s["activity"], s["date"], s["status"]) for s in data["sign_ups"]] == [
        ("Koffieochtend", aw.first.isoformat(), "coming")]
    assert [n["text"] for n in data["notes"]] == ["Leuk om te doen"]
    assert [m["text"] for m in data["messages"]] == ["Neem een vest mee"]
    assert privacy.export_data(db.session, aw.karin)["activities"] == {
        "organised": [], "sign_ups": [], "notes": [], "messages": []}


def test_their_place_goes_to_the_first_on_the_waiting_list(aw):
    for person in (aw.anna, aw.bert, aw.joost):  # two places: Joost waits
        signups.join(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    erase(aw.anna)
    assert rows(ActivitySignup, neighbour_id=aw.anna.id) == 0
    assert signups.signup_of(db.session, aw.coffee, aw.first, aw.joost.id).status == SignupStatus.COMING
    assert rows(Notification, neighbour_id=aw.joost.id, kind=NotificationKind.ACTIVITY_MOVED_UP) == 1


def test_an_activity_they_organised_alone_is_cancelled_and_those_coming_hear_it(aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    signups.join(db.session, aw.otto, aw.coffee, aw.first)
    db.session.commit()
    erase(aw.otto)
    coffee = db.session.get(Activity, aw.coffee.id)
    assert coffee.status == ActivityStatus.CANCELLED and coffee.author_id is None
    assert rows(ActivityOrganiser, activity_id=coffee.id) == 0
    assert rows(Notification, neighbour_id=aw.anna.id, kind=NotificationKind.ACTIVITY_CANCELLED) == 1
    mails = [m for m in outbox() if m["To"] == "anna@example.org"]
    assert len(mails) == 1 and "Koffieochtend" in mail_text(mails[0])
    assert [m["To"] for m in outbox()] == ["anna@example.org"]  # Otto's own sign-up went first: no mail to him


def test_an_activity_with_other_organisers_goes_on_without_them(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    services.add_organiser(db.session, aw.otto, aw.coffee, aw.anna)
    db.session.commit()
    erase(aw.otto)
    coffee = db.session.get(Activity, aw.coffee.id)
    assert coffee.status == ActivityStatus.ACTIVE and coffee.author_id is None
    assert set(db.session.scalars(sa.select(ActivityOrganiser.neighbour_id).where(
        ActivityOrganiser.activity_id == coffee.id))) == {aw.anna.id}
    assert rows(Notification, kind=NotificationKind.ACTIVITY_CANCELLED) == 0


def test_an_initiatives_activity_stays_with_its_coordinators(aw):
    outing = walk(aw, aw.coordinator, title="Uitje", initiative_id=aw.kracht.id)
    signups.join(db.session, aw.anna, outing, aw.first)
    db.session.commit()
    erase(aw.coordinator)
    assert db.session.get(Activity, outing.id).status == ActivityStatus.ACTIVE


def test_an_activity_nobody_joined_is_deleted_and_one_with_history_kept(aw):
    lonely = walk(aw, aw.bert)
    past = walk(aw, aw.bert, title="Vorige keer")
    db.session.add(ActivityDate(activity_id=past.id, on_date=aw.first, status=DateStatus.ON, attendance=5))
    db.session.commit()
    erase(aw.bert)
    assert db.session.get(Activity, lonely.id) is None
    kept = db.session.get(Activity, past.id)
    assert kept is not None and kept.author_id is None


def test_notes_messages_and_being_signed_up_by_them_go(aw):
    signups.join(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    signups.join(db.session, aw.broker, aw.coffee, aw.first)
    db.session.add(ActivityNote(activity_id=aw.coffee.id, on_date=aw.first - timedelta(days=7),
                                author_id=aw.broker.id, body="Gezellig"))
    db.session.add(ActivityMessage(activity_id=aw.coffee.id, on_date=aw.first, author_id=aw.broker.id,
                                   body="Ik neem koek mee"))
    db.session.commit()
    erase(aw.broker)
    assert rows(ActivityNote) == 0 and rows(ActivityMessage) == 0
    jansen = signups.signup_of(db.session, aw.coffee, aw.first, aw.jansen.id)
    assert jansen.status == SignupStatus.COMING and jansen.signed_up_by_id is None
