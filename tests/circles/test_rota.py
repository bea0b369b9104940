"""The shared rota: slots expand on read, members take and give back dates, check-ins, the pages for every role."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart
from buurthulp.circles import rota, shifts
from buurthulp.circles.models import (
    CheckIn,
    CircleMember,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
    SlotSeries,
)
from buurthulp.circles.rota import SlotInput
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.timeutil import local_today
from tests.circles.conftest import ROLES
from tests.conftest import IS_SQLITE
from tests.factories import make_neighbour

TODAY = local_today()

@pytest.fixture(autouse=True)
def _today_of_this_test():
    """TODAY as of this test, not as of when the module was imported: a run may pass midnight."""
    global TODAY
    TODAY = local_today()
SEES = {"annie", "ria", "broker"}
LEADS = {"annie", "broker"}


def slot_input(**kw) -> SlotInput:
    values = dict(title="Samen eten", category=Category.MEALS, kind=SlotKind.HELP, frequency=Frequency.WEEKLY,
                  weekday=TODAY.weekday(), day_part=DayPart.EVENING.value, at_time=None, starts_on=TODAY)
    values.update(kw)
    return SlotInput(**values)


def add_slot(cw, **kw) -> RotaSlot:
    return rota.add_slot(db.session, cw.annie, cw.circle, slot_input(**kw), today=TODAY)


def raw_slot(cw, **kw) -> RotaSlot:
    """A slot as stored, also one that started in the past (the service only starts slots from today)."""
    values = dict(circle_id=cw.circle.id, title="Bellen", category=Category.COMPANY, kind=SlotKind.HELP,
                  frequency=Frequency.DAILY, weekday=None, day_part=None, at_time=time(10), starts_on=TODAY)
    values.update(kw)
    slot = RotaSlot(**values)
    db.session.add(slot)
    db.session.flush()
    return slot


def add_circle_member(cw, name: str, role: MemberRole = MemberRole.MEMBER) -> Neighbour:
    person = make_neighbour(cw.zuilen, email=f"{name.lower()}@example.org", name=name)
    db.session.add(CircleMember(circle_id=cw.circle.id, neighbour_id=person.id, role=role,
                                status=MemberStatus.ACTIVE))
    db.session.flush()
    return person


def holders(cw, start=None, days=28) -> dict:
    start = TODAY if start is None else start
    rows = rota.rota(db.session, cw.circle, start, past_days=0, days=days)
    return {(r.slot.id, r.on_date): (r.holder.display_name if r.holder else None) for r in rows}


# --- expansion -------------------------------------------------------------------------------------

def make(frequency, starts_on, weekday=None, ends_on=None) -> RotaSlot:
    return RotaSlot(title="x", category=Category.OTHER, frequency=frequency, weekday=weekday, day_part=0,
                    starts_on=starts_on, ends_on=ends_on)


def test_a_weekly_slot_falls_on_its_weekday_from_its_start():
    slot = make(Frequency.WEEKLY, date(2026, 6, 3), weekday=4)  # starts on a Wednesday, meets on Fridays
    assert rota.slot_dates(slot, date(2026, 6, 1), date(2026, 6, 30)) == [
        date(2026, 6, 5), date(2026, 6, 12), date(2026, 6, 19), date(2026, 6, 26)]
    assert rota.slot_dates(slot, date(2026, 6, 13), date(2026, 6, 19)) == [date(2026, 6, 19)]
    assert rota.is_slot_date(slot, date(2026, 6, 12)) and not rota.is_slot_date(slot, date(2026, 6, 11))


def test_a_fortnightly_slot_counts_its_fortnights_from_its_first_date():
    slot = make(Frequency.FORTNIGHTLY, date(2026, 6, 1), weekday=0)
    assert rota.slot_dates(slot, date(2026, 6, 2), date(2026, 7, 31)) == [
        date(2026, 6, 15), date(2026, 6, 29), date(2026, 7, 13), date(2026, 7, 27)]
    assert rota.slot_dates(slot, date(2026, 6, 8), date(2026, 6, 14)) == []  # the week in between


def test_a_daily_slot_and_its_end():
    slot = make(Frequency.DAILY, date(2026, 6, 1), ends_on=date(2026, 6, 4))
    assert rota.slot_dates(slot, date(2026, 5, 1), date(2026, 6, 30)) == [
        date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 4)]
    assert rota.slot_dates(slot, date(2026, 6, 5), date(2026, 6, 30)) == []
    stopped = make(Frequency.WEEKLY, date(2026, 6, 1), weekday=0, ends_on=date(2026, 5, 31))
    assert rota.slot_dates(stopped, date(2026, 5, 1), date(2026, 7, 1)) == []


def test_dates_do_not_move_when_summer_time_ends_or_starts():
    sundays = make(Frequency.WEEKLY, date(2026, 10, 1), weekday=6)
    # summer time ends on Sunday 25 October 2026, starts on Sunday 29 March 2026
    assert rota.slot_dates(sundays, date(2026, 10, 18), date(2026, 11, 1)) == [
        date(2026, 10, 18), date(2026, 10, 25), date(2026, 11, 1)]
    daily = make(Frequency.DAILY, date(2026, 3, 28))
    assert rota.slot_dates(daily, date(2026, 3, 28), date(2026, 3, 30)) == [
        date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    # "today" is the date in Amsterdam: 23:30 UTC on 28 March is already the 29th there
    assert local_today(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 29)
    assert local_today(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == date(2026, 10, 25)  # 00:30 CEST


def test_labels_say_days_the_dutch_way(app):
    from flask_babel import force_locale
    slot = make(Frequency.WEEKLY, date(2026, 6, 1), weekday=2)
    slot.day_part = DayPart.AFTERNOON.value
    with force_locale("nl"):
        assert rota.when_label(slot, date(2026, 6, 3)).endswith("3 juni")
        assert rota.when_label(slot, date(2026, 6, 3)).lower().startswith("woensdag")
    call = make(Frequency.DAILY, date(2026, 6, 1))
    call.day_part, call.at_time = None, time(10)
    with force_locale("en"):
        assert "10:00" in rota.when_label(call, date(2026, 6, 3))
        assert "10:00" in rota.repeat_label(call)


# --- slots -----------------------------------------------------------------------------------------

def test_the_centre_and_the_broker_add_change_and_stop_slots_a_member_cannot(cw):
    slot = add_slot(cw, title="Boodschappen", category=Category.GROCERIES)
    assert slot.weekday == TODAY.weekday() and slot.kind == SlotKind.HELP
    call = rota.add_slot(db.session, cw.broker, cw.circle,
                         slot_input(title="Even bellen", kind=SlotKind.CHECK_IN, frequency=Frequency.DAILY,
                                    weekday=3, day_part=None, at_time=time(10)), today=TODAY)
    assert call.weekday is None and call.at_time == time(10)
    with pytest.raises(NotAllowed):
        rota.add_slot(db.session, cw.ria, cw.circle, slot_input(), today=TODAY)
    rota.change_slot(db.session, cw.annie, slot, slot_input(title="Boodschappen doen", weekday=1), today=TODAY)
    assert (slot.title, slot.weekday) == ("Boodschappen doen", 1)
    rota.stop_slot(db.session, cw.annie, slot, TODAY + timedelta(days=7), today=TODAY)
    assert slot.ends_on == TODAY + timedelta(days=7)
    with pytest.raises(NotAllowed):
        rota.stop_slot(db.session, cw.ria, slot, TODAY, today=TODAY)


def test_a_coordinator_may_change_the_rota(cw):
    coordinator = add_circle_member(cw, "Wim", MemberRole.COORDINATOR)
    assert rota.add_slot(db.session, coordinator, cw.circle, slot_input(), today=TODAY).id


@pytest.mark.parametrize("bad", [
    dict(title="  "), dict(title="x" * 101), dict(weekday=None), dict(weekday=7), dict(day_part=None),
    dict(at_time=time(10)), dict(day_part=9), dict(starts_on=TODAY - timedelta(days=1)),
])
def test_a_slot_needs_a_name_a_day_and_a_time(cw, bad):
    with pytest.raises(DomainError):
        add_slot(cw, **bad)


# --- taking and giving back ---------------------------------------------------------------------------

def test_taking_a_date_someone_has_is_refused_with_their_name(cw):
    slot = add_slot(cw)
    shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)
    assert holders(cw)[slot.id, TODAY] == "Ria"
    with pytest.raises(DomainError) as refused:
        shifts.take_date(db.session, cw.annie, slot, TODAY, today=TODAY)
    assert "Ria" in str(refused.value.message)
    with pytest.raises(DomainError):
        shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)  # already hers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 1


def test_only_active_members_take_future_dates_of_the_slot(cw):
    slot = add_slot(cw)
    with pytest.raises(NotAllowed):
        shifts.take_date(db.session, cw.joost, slot, TODAY, today=TODAY)  # invited, not in yet
    with pytest.raises(NotAllowed):
        shifts.take_date(db.session, cw.broker, slot, TODAY, today=TODAY)  # looks after it, does not take dates
    with pytest.raises(DomainError):
        shifts.take_date(db.session, cw.ria, slot, TODAY + timedelta(days=1), today=TODAY)  # not its weekday
    with pytest.raises(DomainError):
        shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY + timedelta(days=7))  # passed


def test_a_series_a_date_given_back_and_taken_by_someone_else(cw):
    slot = add_slot(cw)
    week = [TODAY + timedelta(days=7 * i) for i in range(4)]
    shifts.take_series(db.session, cw.ria, slot, week[1], today=TODAY)
    assert [holders(cw)[slot.id, d] for d in week] == [None, "Ria", "Ria", "Ria"]
    with pytest.raises(DomainError) as refused:
        shifts.take_series(db.session, cw.annie, slot, week[0], today=TODAY)
    assert "Ria" in str(refused.value.message)
    shifts.give_back_date(db.session, cw.ria, slot, week[2], today=TODAY)
    assert [holders(cw)[slot.id, d] for d in week] == [None, "Ria", None, "Ria"]
    shifts.take_date(db.session, cw.annie, slot, week[2], today=TODAY)
    assert holders(cw)[slot.id, week[2]] == "Annie"
    shifts.give_back_series(db.session, cw.ria, slot, week[3], today=TODAY)
    assert [holders(cw)[slot.id, d] for d in week] == [None, "Ria", "Annie", None]
    with pytest.raises(DomainError):
        shifts.give_back_date(db.session, cw.ria, slot, week[3], today=TODAY)  # not hers any more
    with pytest.raises(DomainError):
        shifts.give_back_series(db.session, cw.ria, slot, week[3], today=TODAY)
    # a date given back stays open; a new series from a later date takes the dates given back from then on
    shifts.give_back_date(db.session, cw.annie, slot, week[2], today=TODAY)
    with pytest.raises(DomainError):
        shifts.take_series(db.session, cw.annie, slot, week[2], today=TODAY)  # Ria's series still runs that week
    shifts.swap_date(db.session, cw.ria, slot, week[1], cw.annie, today=TODAY)
    shifts.give_back_date(db.session, cw.annie, slot, week[1], today=TODAY)
    shifts.take_series(db.session, cw.annie, slot, week[3], today=TODAY)
    assert [holders(cw)[slot.id, d] for d in week] == [None, None, None, "Annie"]


def test_a_swap_hands_a_date_to_another_member(cw):
    slot = add_slot(cw)
    shifts.take_series(db.session, cw.ria, slot, TODAY, today=TODAY)
    shifts.swap_date(db.session, cw.ria, slot, TODAY + timedelta(days=7), cw.annie, today=TODAY)
    assert holders(cw)[slot.id, TODAY + timedelta(days=7)] == "Annie"
    assert holders(cw)[slot.id, TODAY + timedelta(days=14)] == "Ria"
    with pytest.raises(DomainError):
        shifts.swap_date(db.session, cw.ria, slot, TODAY, cw.joost, today=TODAY)  # not a member yet
    with pytest.raises(DomainError):
        shifts.swap_date(db.session, cw.ria, slot, TODAY + timedelta(days=7), cw.annie, today=TODAY)  # not hers


# --- check-ins ------------------------------------------------------------------------------------------

def test_ticking_a_check_in(cw):
    slot = raw_slot(cw, kind=SlotKind.CHECK_IN, starts_on=TODAY - timedelta(days=3))
    yesterday = TODAY - timedelta(days=1)
    shifts.take_series(db.session, cw.ria, slot, TODAY, today=TODAY)
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, yesterday, CheckIn.ALL_WELL)  # nobody had yesterday
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, TODAY + timedelta(days=1), CheckIn.ALL_WELL)  # not come yet
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, TODAY)  # all well or not?
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, TODAY, CheckIn.ATTENTION, "  ")  # what needs attention?
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.annie, slot, TODAY, CheckIn.ALL_WELL)  # not hers
    shift = shifts.tick(db.session, cw.ria, slot, TODAY, CheckIn.ATTENTION, "De verwarming doet het niet")
    assert (shift.taken_by_id, shift.check_in, shift.note) == (cw.ria.id, CheckIn.ATTENTION,
                                                             "De verwarming doet het niet")
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, TODAY, CheckIn.ALL_WELL)  # done already
    help_slot = add_slot(cw)
    shifts.take_date(db.session, cw.annie, help_slot, TODAY, today=TODAY)
    done = shifts.tick(db.session, cw.annie, help_slot, TODAY, CheckIn.ATTENTION, "ignored")
    assert done.done_at is not None and done.check_in is None and done.note == ""


def test_only_the_centre_the_broker_and_the_writer_read_a_check_in_note(cw, client):
    joost = db.session.get(CircleMember, db.session.scalar(sa.select(CircleMember.id).where(
        CircleMember.neighbour_id == cw.joost.id)))
    joost.status = MemberStatus.ACTIVE
    slot = raw_slot(cw, kind=SlotKind.CHECK_IN)
    shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)
    shifts.tick(db.session, cw.ria, slot, TODAY, CheckIn.ATTENTION, "Post stapelt zich op")
    db.session.commit()
    seen = {}
    for name in ("annie", "ria", "joost", "broker"):
        client.login(f"{name}@example.org")
        page = client.get(f"/circles/{cw.circle.id}/rota").get_data(as_text=True)
        seen[name] = "Post stapelt zich op" in page
        client.logout()
    assert seen == {"annie": True, "ria": True, "joost": False, "broker": True}


# --- at the same moment (PostgreSQL) ----------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")


@needs_postgresql
@pytest.mark.parametrize("given_back_first", [False, True])
def test_members_taking_the_same_open_date_at_once_leave_one_holder(app, cw, given_back_first):
    from tests.pot.test_concurrency import at_once

    slot = add_slot(cw)
    people = [add_circle_member(cw, f"Lid {i}") for i in range(8)]
    if given_back_first:  # the row is there already: the conditional UPDATE decides
        shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)
        shifts.give_back_date(db.session, cw.ria, slot, TODAY, today=TODAY)
    db.session.commit()
    ids, slot_id = [p.id for p in people], slot.id

    def take(i: int) -> str:
        try:
            shifts.take_date(db.session, db.session.get(Neighbour, ids[i]), db.session.get(RotaSlot, slot_id), TODAY,
                           today=TODAY)
        except DomainError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "taken"

    results = at_once(app, len(ids), take)
    assert sorted(results) == ["refused"] * 7 + ["taken"], results
    rows = db.session.scalars(sa.select(Shift).where(Shift.slot_id == slot_id)).all()
    assert len(rows) == 1 and rows[0].taken_by_id == ids[results.index("taken")]


@needs_postgresql
def test_members_taking_the_same_series_at_once_leave_one_series(app, cw):
    from tests.pot.test_concurrency import at_once

    slot = add_slot(cw)
    ids = [add_circle_member(cw, f"Lid {i}").id for i in range(4)]
    db.session.commit()
    slot_id = slot.id

    def take(i: int) -> str:
        try:
            shifts.take_series(db.session, db.session.get(Neighbour, ids[i]), db.session.get(RotaSlot, slot_id),
                             TODAY, today=TODAY)
        except DomainError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "taken"

    assert sorted(at_once(app, len(ids), take)) == ["refused"] * 3 + ["taken"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlotSeries)) == 1


# --- flagged check-ins for the broker's pages ---------------------------------------------------------------

def test_flagged_check_ins_of_an_initiative(cw):
    slot = raw_slot(cw, kind=SlotKind.CHECK_IN, starts_on=TODAY - timedelta(days=5))
    db.session.add(Shift(slot_id=slot.id, on_date=TODAY - timedelta(days=2), flagged_at=datetime.now(UTC)))
    db.session.flush()
    found = rota.flagged_check_ins(db.session, cw.kracht, TODAY - timedelta(days=7))
    assert [(f.slot.id, f.shift.on_date, f.centre.id) for f in found] == [
        (slot.id, TODAY - timedelta(days=2), cw.annie.id)]
    assert rota.flagged_check_ins(db.session, cw.kracht, TODAY) == []
    assert rota.flagged_check_ins(db.session, cw.samen, TODAY - timedelta(days=7)) == []


# --- pages ----------------------------------------------------------------------------------------------

def rota_url(cw) -> str:
    return f"/circles/{cw.circle.id}/rota"


def login_as(client, role):
    if role != "anonymous":
        client.login(f"{role}@example.org")


@pytest.mark.parametrize("role", ROLES)
def test_the_rota_page_for_every_role(cw, client, role):
    add_slot(cw, title="Samen eten")
    db.session.commit()
    login_as(client, role)
    response = client.get(rota_url(cw))
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in SEES:
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Samen eten" in page
        assert (f'action="/circles/{cw.circle.id}/rota/take"' in page) == (role in {"annie", "ria"})
        assert (f"/circles/{cw.circle.id}/rota/slots/new" in page) == (role in LEADS)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_slot_pages_for_every_role(cw, client, role):
    slot = add_slot(cw)
    db.session.commit()
    login_as(client, role)
    pages = [client.get(f"/circles/{cw.circle.id}/rota/slots/new"),
             client.get(f"/circles/{cw.circle.id}/rota/slots/{slot.id}"),
             client.post(f"/circles/{cw.circle.id}/rota/slots/{slot.id}/stop",
                         {"stop-last_day": (TODAY + timedelta(days=7)).isoformat()})]
    codes = [p.status_code for p in pages]
    if role == "anonymous":
        assert codes == [302, 302, 302] and all("/login" in p.headers["Location"] for p in pages)
    elif role in LEADS:
        assert codes == [200, 200, 302]
        db.session.expire_all()
        assert db.session.get(RotaSlot, slot.id).ends_on == TODAY + timedelta(days=7)
    elif role in SEES:
        assert codes == [403, 403, 403]
    else:
        assert codes == [404, 404, 404]


@pytest.mark.parametrize("role", ROLES)
def test_taking_a_date_for_every_role(cw, client, role):
    slot = add_slot(cw)
    db.session.commit()
    login_as(client, role)
    response = client.post(f"{rota_url(cw)}/take", {"slot_id": slot.id, "on_date": TODAY.isoformat(), "what": "date"})
    db.session.expire_all()
    shift = db.session.scalar(sa.select(Shift).where(Shift.slot_id == slot.id))
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in {"annie", "ria"}:
        assert response.status_code == 302 and shift.taken_by_id == getattr(cw, role).id
    elif role == "broker":
        assert response.status_code == 403 and shift is None
    else:
        assert response.status_code == 404 and shift is None


def test_a_member_takes_gives_back_swaps_and_ticks_on_the_page(cw, client):
    slot = add_slot(cw, title="Samen eten")
    db.session.commit()
    client.login("ria@example.org")
    base = rota_url(cw)
    key = f"{slot.id}-{TODAY.isoformat()}"
    page = client.get(base).get_data(as_text=True)
    assert re.search(rf'data-holder="{key}">\s*\S', page)
    assert client.post(f"{base}/take", {"slot_id": slot.id, "on_date": TODAY.isoformat(),
                                        "what": "series"}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert f'data-tick="{key}"' in page  # today has come: she can tick it
    assert client.post(f"{base}/swap", {"slot_id": slot.id, "on_date": (TODAY + timedelta(days=7)).isoformat(),
                                        "to_id": cw.annie.id}).status_code == 302
    assert client.post(f"{base}/give-back", {"slot_id": slot.id, "on_date": (TODAY + timedelta(days=14)).isoformat(),
                                             "what": "date"}).status_code == 302
    assert client.post(f"{base}/done", {"slot_id": slot.id, "on_date": TODAY.isoformat()}).status_code == 302
    assert holders(cw)[slot.id, TODAY + timedelta(days=7)] == "Annie"
    assert holders(cw)[slot.id, TODAY + timedelta(days=14)] is None
    assert holders(cw)[slot.id, TODAY + timedelta(days=21)] == "Ria"
    db.session.expire_all()
    assert db.session.scalar(sa.select(Shift.done_at).where(Shift.slot_id == slot.id, Shift.on_date == TODAY))
    # someone else's date: refused, with her name on the page
    client.logout()
    client.login("annie@example.org")
    response = client.post(f"{base}/take", {"slot_id": slot.id, "on_date": (TODAY + timedelta(days=21)).isoformat()})
    assert response.status_code == 400 and "Ria" in response.get_data(as_text=True)
    assert "flash-error" in response.get_data(as_text=True)


def test_a_check_in_needs_an_outcome_on_the_page(cw, client):
    slot = raw_slot(cw, kind=SlotKind.CHECK_IN)
    shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)
    db.session.commit()
    client.login("ria@example.org")
    base = rota_url(cw)
    page = client.get(base).get_data(as_text=True)
    assert 'name="outcome"' in page and 'name="note"' in page
    response = client.post(f"{base}/done", {"slot_id": slot.id, "on_date": TODAY.isoformat(), "outcome": "attention",
                                            "note": ""})
    assert response.status_code == 400 and "flash-error" in response.get_data(as_text=True)
    response = client.post(f"{base}/done", {"slot_id": slot.id, "on_date": TODAY.isoformat(), "outcome": "all_well"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Shift.check_in).where(Shift.slot_id == slot.id)) == CheckIn.ALL_WELL


@pytest.mark.parametrize("data", [
    {"slot_id": "abc", "on_date": TODAY.isoformat()},
    {"on_date": TODAY.isoformat()},
    {"slot_id": "1", "on_date": "gisteren"},
    {"slot_id": "1", "on_date": TODAY.isoformat(), "what": "alles"},
])
def test_bad_buttons_are_a_400(cw, client, data):
    add_slot(cw)
    db.session.commit()
    client.login("ria@example.org")
    assert client.post(f"{rota_url(cw)}/take", data).status_code == 400


def test_wrong_dates_and_slots_say_why(cw, client):
    slot = add_slot(cw)
    db.session.commit()
    client.login("ria@example.org")
    response = client.post(f"{rota_url(cw)}/take", {"slot_id": slot.id,
                                                    "on_date": (TODAY + timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "flash-error" in response.get_data(as_text=True)
    assert client.post(f"{rota_url(cw)}/take", {"slot_id": 999999, "on_date": TODAY.isoformat()}).status_code == 404


def test_without_csrf_a_button_is_a_400(cw, client):
    slot = add_slot(cw)
    db.session.commit()
    client.login("ria@example.org")
    response = client.post(f"{rota_url(cw)}/take", {"slot_id": slot.id, "on_date": TODAY.isoformat()}, csrf=False)
    assert response.status_code == 400
    client.logout()
    client.login("annie@example.org")
    response = client.post(f"/circles/{cw.circle.id}/rota/slots/new", {"title": "x"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RotaSlot)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 0


def test_adding_and_changing_a_slot_on_the_page(cw, client):
    client.login("annie@example.org")
    url = f"/circles/{cw.circle.id}/rota/slots/new"
    form = {"title": "Elke dag bellen", "category": "gezelschap", "kind": "check_in", "frequency": "daily",
            "weekday": "", "timing": "time", "day_part": "0", "at_time": "10:00", "starts_on": TODAY.isoformat()}
    assert client.post(url, form).status_code == 302
    slot = db.session.scalar(sa.select(RotaSlot).where(RotaSlot.title == "Elke dag bellen"))
    assert (slot.frequency, slot.at_time, slot.day_part, slot.kind) == (Frequency.DAILY, time(10), None,
                                                                        SlotKind.CHECK_IN)
    for bad in ({"title": ""}, {"frequency": "weekly"}, {"at_time": ""}, {"category": "zorg"},
                {"starts_on": (TODAY - timedelta(days=3)).isoformat()}):
        response = client.post(url, {**form, **bad})
        assert response.status_code == 400, bad
        assert "error-summary" in response.get_data(as_text=True) or "flash-error" in response.get_data(as_text=True)
    edit = f"/circles/{cw.circle.id}/rota/slots/{slot.id}"
    assert "Elke dag bellen" in client.get(edit).get_data(as_text=True)
    assert client.post(edit, {**form, "title": "Bellen om tien", "starts_on": slot.starts_on.isoformat()}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(RotaSlot, slot.id).title == "Bellen om tien"
    assert client.post(f"{edit}/stop", {"stop-last_day": "nooit"}).status_code == 400


def test_the_page_is_the_same_in_english(cw, client):
    add_slot(cw, title="Samen eten")
    cw.ria.locale = "en"
    db.session.commit()
    client.login("ria@example.org")
    assert client.get(rota_url(cw)).status_code == 200


# --- queries -----------------------------------------------------------------------------------------------

def fill(cw, slots: int, members: int, prefix: str) -> None:
    people = [cw.ria] + [add_circle_member(cw, f"{prefix}{i}") for i in range(members - 2)]
    for n in range(slots):
        slot = add_slot(cw, title=f"Slot {n}", weekday=n % 7,
                        kind=SlotKind.CHECK_IN if n % 2 else SlotKind.HELP)
        first = rota.slot_dates(slot, TODAY, TODAY + timedelta(days=27))
        shifts.take_series(db.session, people[n % len(people)], slot, first[1], today=TODAY)
        shifts.take_date(db.session, people[(n + 1) % len(people)], slot, first[0], today=TODAY)
        shifts.give_back_date(db.session, people[n % len(people)], slot, first[2], today=TODAY)
    db.session.commit()


def queries_for(cw, client, count_queries) -> int:
    client.get(rota_url(cw))  # warm up: templates compiled, session loaded
    with count_queries() as q:
        response = client.get(rota_url(cw))
    assert response.status_code == 200
    return q.count


@pytest.mark.parametrize("who", ["annie@example.org", "ria@example.org", "broker@example.org"])
def test_the_rota_page_takes_the_same_number_of_queries_however_big(app, cw, client, count_queries, who):
    fill(cw, slots=2, members=3, prefix="Klein")
    client.login(who)
    small = queries_for(cw, client, count_queries)
    fill(cw, slots=10, members=20, prefix="Groot")
    big = queries_for(cw, client, count_queries)
    assert small == big, (small, big)
