"""Reminders the day before: everyone coming hears it once, batched with their other notifications; a changed or
cancelled date is mailed at once, in Dutch."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from buurthulp.accounts.models import Neighbour
from buurthulp.activities import services, signups
from buurthulp.activities.jobs import JOBS, remind_tomorrow
from buurthulp.activities.models import ActivityDate, ActivityKind, Repeat
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts.models import Notification, NotificationKind
from buurthulp.posts.notifications import notification_text, notify, send_notification_mails
from buurthulp.scheduler import registered_jobs, run_job
from buurthulp.timeutil import local_to_utc
from tests.conftest import mail_html, mail_text
from tests.factories import make_neighbour


def at(day, hour=9, minute=0):
    """A moment on a local day."""
    return local_to_utc(day, time(hour, minute))


def reminded(person=None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == NotificationKind.ACTIVITY_REMINDER)
    if person is not None:
        query = query.where(Notification.neighbour_id == person.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def in_dutch(item: Notification) -> str:
    with force_locale("nl"):
        return notification_text(item)


def test_everyone_coming_tomorrow_hears_it_once_and_a_rerun_reminds_nobody_twice(aw):
    for person in (aw.anna, aw.bert, aw.joost):  # two places: Joost waits
        signups.join(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    the_day_before = aw.first - timedelta(days=1)

    assert remind_tomorrow(db.session, at(the_day_before, 9)) == {"dates": 1, "reminded": 2}
    db.session.commit()
    assert {n.neighbour_id for n in reminded()} == {aw.anna.id, aw.bert.id}
    assert all(n.activity_id == aw.coffee.id and n.activity_on == aw.first for n in reminded())
    stamp = db.session.scalar(sa.select(ActivityDate.reminded_at).where(ActivityDate.activity_id == aw.coffee.id,
                                                                        ActivityDate.on_date == aw.first))
    assert stamp == at(the_day_before, 9)

    # every later hour of that day, and a run after a crash, finds the date stamped
    for hour in (10, 15, 23):
        assert remind_tomorrow(db.session, at(the_day_before, hour, 30)) == {"dates": 0, "reminded": 0}
        db.session.commit()
    assert len(reminded()) == 2


def test_the_registered_job_runs_each_hour_and_twice_is_harmless(app, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    job = registered_jobs(app)["activity_reminders"]
    assert job in JOBS and job.every_minutes == 60
    the_day_before = aw.first - timedelta(days=1)
    run_job(job, at(the_day_before, 10))
    run_job(job, at(the_day_before, 11))
    assert [n.neighbour_id for n in reminded()] == [aw.anna.id]


def test_no_reminder_in_the_night_and_none_two_days_ahead(aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    assert remind_tomorrow(db.session, at(aw.first - timedelta(days=1), 7, 59))["reminded"] == 0
    assert remind_tomorrow(db.session, at(aw.first - timedelta(days=2), 12))["reminded"] == 0
    assert remind_tomorrow(db.session, at(aw.first - timedelta(days=1), 8))["reminded"] == 1


def test_a_moved_date_is_reminded_the_day_before_its_new_day(aw):
    second = aw.first + timedelta(days=7)
    signups.join(db.session, aw.anna, aw.coffee, second)
    services.move_date(db.session, aw.otto, aw.coffee, second, second + timedelta(days=1), time(14, 0))
    db.session.commit()
    assert remind_tomorrow(db.session, at(second - timedelta(days=1)))["reminded"] == 0
    assert remind_tomorrow(db.session, at(second))["reminded"] == 1
    assert reminded(aw.anna)[0].activity_on == second  # the date's key: its page


def test_a_cancelled_date_a_cancelled_activity_and_a_hidden_one_remind_nobody(aw):
    second, third = aw.first + timedelta(days=7), aw.first + timedelta(days=14)
    for day in (aw.first, second, third):
        signups.join(db.session, aw.anna, aw.coffee, day)
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first, "Het buurthuis is dicht.")
    db.session.commit()
    assert remind_tomorrow(db.session, at(aw.first - timedelta(days=1)))["reminded"] == 0

    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    assert remind_tomorrow(db.session, at(second - timedelta(days=1)))["reminded"] == 0

    services.hide(db.session, aw.coordinator, aw.coffee, False)
    services.cancel(db.session, aw.otto, aw.coffee)
    db.session.commit()
    assert remind_tomorrow(db.session, at(third - timedelta(days=1)))["reminded"] == 0
    assert reminded() == []


def test_the_reminder_goes_in_the_hourly_mail_with_the_other_notifications(aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    the_day_before = aw.first - timedelta(days=1)
    # Anna had a mail at 08:30, so what comes in the next hour waits for the next mail
    aw.anna.notifications_mailed_at = at(the_day_before, 8, 30)
    notify(db.session, aw.anna.id, NotificationKind.ACTIVITY_MESSAGE, actor_id=aw.otto.id, activity=aw.coffee,
           activity_on=aw.first, now=at(the_day_before, 8, 45))
    remind_tomorrow(db.session, at(the_day_before, 9))
    db.session.commit()
    assert outbox() == []  # not a mail of its own

    assert send_notification_mails(db.session, at(the_day_before, 9, 31)) == 1
    db.session.commit()
    [mail] = outbox()
    assert mail["To"] == "anna@example.org"
    message, reminder = db.session.scalars(sa.select(Notification).where(Notification.neighbour_id == aw.anna.id)
                                           .order_by(Notification.id)).all()
    text, html = mail_text(mail), mail_html(mail)
    assert in_dutch(reminder) in text and in_dutch(message) in text
    assert text.index(in_dutch(message)) < text.index(in_dutch(reminder))
    assert "Koffieochtend" in in_dutch(reminder) and "Otto" in in_dutch(message)
    with force_locale("nl"):
        assert mail["Subject"] == ngettext("%(num)d new notification on buurthulp",
                                           "%(num)d new notifications on buurthulp", 2)
    assert "Koffieochtend" in html and "/notifications" in text
    # each about the date, with a link to the date's page (its time and place) right under it
    date_page = f"/activities/{aw.coffee.id}/{aw.first:%Y-%m-%d}"
    assert text.count(date_page) == 2 and f'{date_page}"' in html
    assert text.index(in_dutch(reminder)) < text.rindex(date_page)


def test_a_cancelled_date_is_mailed_at_once_in_dutch(aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first, "Het buurthuis is dicht.")
    db.session.commit()
    [mail] = [m for m in outbox() if m["To"] == "anna@example.org"]
    [item] = db.session.scalars(sa.select(Notification).where(
        Notification.neighbour_id == aw.anna.id, Notification.kind == NotificationKind.ACTIVITY_CANCELLED)).all()
    assert mail["Subject"] == in_dutch(item)
    assert "Koffieochtend" in mail["Subject"] and "donderdag" in mail["Subject"]  # the date in Dutch
    assert "Het buurthuis is dicht." in mail_text(mail)
    assert f"/activities/{aw.coffee.id}/{aw.first:%Y-%m-%d}" in mail_text(mail)
    assert item.mailed_at is not None  # not in the hourly mail again


def test_a_moved_date_is_mailed_at_once_with_its_new_time(aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, aw.first + timedelta(days=1), time(14, 30),
                       "Een dag later.")
    db.session.commit()
    [mail] = [m for m in outbox() if m["To"] == "anna@example.org"]
    text = mail_text(mail)
    assert "vrijdag" in text and "14:30" in text and "Een dag later." in text


def test_reminding_takes_the_same_queries_for_2_activities_and_for_8(aw, count_queries):
    first, otto_id, zuilen_id = aw.first, aw.otto.id, aw.zuilen.id
    the_day_before = first - timedelta(days=1)

    def put_on(n):
        otto, zuilen = db.session.get(Neighbour, otto_id), db.session.get(Neighbourhood, zuilen_id)
        for i in range(n):
            activity = services.put_on(db.session, otto, services.ActivityInput(
                title=f"Activiteit {i}", kind=ActivityKind.GAMES, starts_on=first, start_time=time(19, 0),
                repeat=Repeat.WEEKLY, place_note="Bij Otto"))
            person = make_neighbour(zuilen)
            person.notifications_mailed_at = at(the_day_before, 8, 45)  # so telling them sends no mail now
            signups.join(db.session, person, activity, first)
        db.session.commit()

    def queries(now):
        db.session.expunge_all()
        with count_queries() as q:
            result = remind_tomorrow(db.session, now)
            db.session.flush()
        db.session.rollback()
        # telling someone is one row each; everything else is the same however many dates are due
        return [s for s in q.statements if not s.lstrip().upper().startswith("INSERT INTO NOTIFICATION")], result

    put_on(2)
    two, result = queries(at(the_day_before, 9))
    assert result == {"dates": 2, "reminded": 2}
    put_on(6)
    eight, result = queries(at(the_day_before, 9))
    assert result == {"dates": 8, "reminded": 8}
    assert len(two) == len(eight), (two, eight)
