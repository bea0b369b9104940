"""The rota's jobs: open dates ask the circle (one mail per member), then the centre and the broker; check-ins
nobody ticked are flagged to the coordinators and the broker. Reruns mail nobody twice."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.categories import Category, DayPart
from buurthulp.circles import jobs, rota, shifts
from buurthulp.circles.models import (
    CheckIn,
    Circle,
    CircleMember,
    CircleStatus,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
)
from buurthulp.extensions import db
from buurthulp.scheduler import registered_jobs
from buurthulp.timeutil import local_to_utc, local_today
from tests.conftest import mail_html, mail_text
from tests.factories import make_neighbour

TODAY = local_today()

@pytest.fixture(autouse=True)
def _today_of_this_test():
    """TODAY as of this test, not as of when the module was imported: a run may pass midnight."""
    global TODAY
    TODAY = local_today()
NOW = local_to_utc(TODAY, time(10))


def slot(circle, *, starts_on=None, **kw) -> RotaSlot:
    starts_on = TODAY if starts_on is None else starts_on
    values = dict(circle_id=circle.id, title="Boodschappen", category=Category.GROCERIES, kind=SlotKind.HELP,
                  frequency=Frequency.DAILY, weekday=None, day_part=DayPart.MORNING.value, starts_on=starts_on)
    values.update(kw)
    row = RotaSlot(**values)
    db.session.add(row)
    db.session.flush()
    return row


def member(circle, person, role=MemberRole.MEMBER) -> None:
    db.session.add(CircleMember(circle_id=circle.id, neighbour_id=person.id, role=role, status=MemberStatus.ACTIVE))
    db.session.flush()


def run(job, now=NOW) -> dict:
    result = job(db.session, now)
    db.session.commit()
    return result


def recipients(outbox) -> list[str]:
    return sorted(str(m["To"]) for m in outbox())


def test_the_jobs_are_registered(app):
    found = registered_jobs(app)
    assert found["circle_open_slots"].every_minutes == 60
    assert found["circle_missed_check_ins"].cron == {"hour": 0, "minute": 30}


def test_open_dates_three_days_ahead_ask_each_member_once_for_all_their_circles(cw, outbox):
    # Ria is in Annie's circle and in a second one, around Karin
    other = Circle(centre_id=cw.karin.id, initiative_id=cw.winkel.id, status=CircleStatus.ACTIVE)
    db.session.add(other)
    db.session.flush()
    member(other, cw.karin, MemberRole.CENTRE)
    member(other, cw.ria)
    meals = slot(cw.circle, title="Samen eten", frequency=Frequency.WEEKLY,
                 weekday=(TODAY + timedelta(days=3)).weekday(), day_part=DayPart.EVENING.value)
    walk = slot(other, title="Wandelen", frequency=Frequency.WEEKLY, weekday=(TODAY + timedelta(days=2)).weekday())
    groceries = slot(cw.circle, title="Boodschappen", starts_on=TODAY + timedelta(days=2))  # daily from then
    shifts.take_date(db.session, cw.ria, groceries, TODAY + timedelta(days=2), today=TODAY)  # taken: no reminder
    far = slot(cw.circle, title="Later", frequency=Frequency.WEEKLY, weekday=(TODAY + timedelta(days=5)).weekday(),
               starts_on=TODAY + timedelta(days=4))
    db.session.commit()

    result = run(jobs.remind_open_dates)
    assert result["reminded"] == 3  # meals (+3), groceries (+3), the walk (+2); not the one Ria took, not later
    mails = outbox()
    to_ria = [m for m in mails if m["To"] == "ria@example.org"]
    assert len(to_ria) == 1
    text = mail_text(to_ria[0])
    assert "Samen eten" in text and "Wandelen" in text and "Boodschappen" in text and "Later" not in text
    assert f"/circles/{cw.circle.id}/rota" in text and f"/circles/{other.id}/rota" in text
    assert "Samen eten" in mail_html(to_ria[0])
    # the centres are not asked to fill their own rota; invited Joost is not in yet; nothing is escalated yet
    assert "annie@example.org" not in recipients(outbox) and "joost@example.org" not in recipients(outbox)
    assert "broker@example.org" not in recipients(outbox)
    stamped = db.session.scalars(sa.select(Shift).where(Shift.reminded_at.is_not(None))).all()
    assert {(s.slot_id, s.on_date) for s in stamped} == {(meals.id, TODAY + timedelta(days=3)),
                                                        (walk.id, TODAY + timedelta(days=2)),
                                                        (groceries.id, TODAY + timedelta(days=3))}
    assert all(s.taken_by_id is None for s in stamped)
    assert far.id not in {s.slot_id for s in stamped}

    before = len(outbox())
    assert run(jobs.remind_open_dates, NOW + timedelta(hours=1))["mails"] == 0
    assert len(outbox()) == before
    # the reminder's row does not stand in anyone's way
    shifts.take_date(db.session, cw.ria, meals, TODAY + timedelta(days=3), today=TODAY)


def test_still_open_a_day_ahead_tells_the_centre_and_the_broker_once(cw, outbox):
    tomorrow = TODAY + timedelta(days=1)
    meals = slot(cw.circle, title="Samen eten", frequency=Frequency.WEEKLY, weekday=tomorrow.weekday())
    db.session.commit()
    result = run(jobs.remind_open_dates)
    assert result["escalated"] == 1
    assert recipients(outbox) == ["annie@example.org", "broker@example.org", "ria@example.org"]
    alert = next(m for m in outbox() if m["To"] == "broker@example.org")
    assert "Samen eten" in mail_text(alert) and "Annie" in mail_text(alert)
    shift = db.session.scalar(sa.select(Shift).where(Shift.slot_id == meals.id))
    assert shift.on_date == tomorrow and shift.escalated_at is not None and shift.reminded_at is not None
    # another initiative's broker and the treasurer hear nothing
    assert run(jobs.remind_open_dates, NOW + timedelta(hours=1)) == {"reminded": 0, "escalated": 0, "mails": 0}
    assert len(outbox()) == 3


def test_a_centre_without_a_confirmed_address_is_not_mailed(cw, outbox):
    cw.annie.email_confirmed_at = None
    slot(cw.circle, title="Samen eten", frequency=Frequency.WEEKLY, weekday=(TODAY + timedelta(days=1)).weekday())
    db.session.commit()
    run(jobs.remind_open_dates)
    assert recipients(outbox) == ["broker@example.org", "ria@example.org"]


def test_taken_dates_and_ended_circles_ask_nobody(cw, outbox):
    meals = slot(cw.circle, title="Samen eten")
    shifts.take_series(db.session, cw.ria, meals, TODAY, today=TODAY)
    db.session.commit()
    assert run(jobs.remind_open_dates)["mails"] == 0
    shifts.give_back_date(db.session, cw.ria, meals, TODAY + timedelta(days=2), today=TODAY)
    db.session.commit()
    assert run(jobs.remind_open_dates)["reminded"] == 1  # the date she gave back is open again
    cw.circle.status = CircleStatus.ENDED
    db.session.commit()
    assert run(jobs.remind_open_dates, NOW + timedelta(days=1))["mails"] == 0


def call_slot(cw, **kw) -> RotaSlot:
    return slot(cw.circle, title="Even bellen", kind=SlotKind.CHECK_IN, day_part=None, at_time=time(10),
                starts_on=TODAY - timedelta(days=1), **kw)


def test_a_missed_check_in_is_flagged_to_the_coordinators_and_the_broker_once(cw, outbox, client):
    wim = make_neighbour(cw.zuilen, email="wim@example.org", name="Wim")
    member(cw.circle, wim, MemberRole.COORDINATOR)
    call = call_slot(cw)
    ticked = slot(cw.circle, title="Bezoekje", kind=SlotKind.CHECK_IN, starts_on=TODAY - timedelta(days=1))
    yesterday = TODAY - timedelta(days=1)
    db.session.add_all([Shift(slot_id=call.id, on_date=yesterday, taken_by_id=cw.ria.id),
                        Shift(slot_id=ticked.id, on_date=yesterday, taken_by_id=cw.ria.id, done_at=NOW,
                              check_in=CheckIn.ALL_WELL)])
    db.session.commit()
    night = local_to_utc(TODAY, time(0, 30))
    result = run(jobs.flag_missed_check_ins, night)
    assert result["flagged"] == 1
    assert recipients(outbox) == ["annie@example.org", "broker@example.org", "wim@example.org"]
    assert "Even bellen" in mail_text(outbox()[0]) and "Ria" in mail_text(outbox()[0])
    flagged = db.session.scalars(sa.select(Shift).where(Shift.flagged_at.is_not(None))).all()
    assert [(s.slot_id, s.on_date) for s in flagged] == [(call.id, yesterday)]
    assert run(jobs.flag_missed_check_ins, night + timedelta(hours=1))["mails"] == 0
    assert len(outbox()) == 3
    # the broker's pages get it in one query; the rota page shows it to those who coordinate
    assert [f.shift.on_date for f in rota.flagged_check_ins(db.session, cw.kracht, yesterday)] == [yesterday]
    seen = {}
    for name in ("annie", "wim", "ria", "broker"):
        client.login(f"{name}@example.org")
        seen[name] = f'data-flagged="{call.id}-{yesterday.isoformat()}"' in client.get(
            f"/circles/{cw.circle.id}/rota").get_data(as_text=True)
        client.logout()
    assert seen == {"annie": True, "wim": True, "ria": False, "broker": True}


def test_an_open_check_in_nobody_had_is_flagged_too(cw, outbox):
    call_slot(cw)
    db.session.commit()
    run(jobs.flag_missed_check_ins, local_to_utc(TODAY, time(0, 30)))
    mail = next(m for m in outbox() if m["To"] == "annie@example.org")
    assert "Even bellen" in mail_text(mail)


@pytest.mark.parametrize("utc_now, flagged_date", [
    # 00:30 in Amsterdam is 22:30 UTC the day before in summer, 23:30 in winter
    ("2026-07-15T22:30:00+00:00", date(2026, 7, 15)),
    ("2026-10-25T23:30:00+00:00", date(2026, 10, 25)),  # the night summer time ended
    ("2026-03-29T22:30:00+00:00", date(2026, 3, 29)),   # the day summer time started
])
def test_yesterday_is_yesterday_in_amsterdam(cw, outbox, utc_now, flagged_date):
    from datetime import datetime
    now = datetime.fromisoformat(utc_now)
    slot(cw.circle, title="Even bellen", kind=SlotKind.CHECK_IN, frequency=Frequency.WEEKLY,
         weekday=flagged_date.weekday(), starts_on=flagged_date - timedelta(days=14))
    db.session.commit()
    assert run(jobs.flag_missed_check_ins, now)["flagged"] == 1
    assert db.session.scalar(sa.select(Shift.on_date).where(Shift.flagged_at.is_not(None))) == flagged_date
    # the evening before it is not yesterday yet
    db.session.execute(sa.delete(Shift))
    db.session.commit()
    assert run(jobs.flag_missed_check_ins, now - timedelta(hours=2))["flagged"] == 0


def test_help_dates_are_not_check_ins(cw, outbox):
    slot(cw.circle, title="Boodschappen", starts_on=TODAY - timedelta(days=3))
    db.session.commit()
    assert run(jobs.flag_missed_check_ins) == {"flagged": 0, "mails": 0}
