"""The personal calendar address: the page that makes, renews and removes it, and the .ics file behind it."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from icalendar import Calendar

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart
from buurthulp.circles import calendar as cal
from buurthulp.circles.models import (
    CalendarFeed,
    Circle,
    CircleMember,
    CircleStatus,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
    SlotSeries,
)
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Timing
from buurthulp.timeutil import local_to_utc, local_today
from tests.circles.conftest import ROLES
from tests.factories import make_neighbour
from tests.posts.conftest import post_input

PRIVATE = "Kerkweg 12"           # post_input's private details
PLACE_NOTE = "Achterdeur bij de Dorpsstraat 5"
PHONE = "06 12345678"


def slot(circle, title, frequency, *, weekday=None, day_part=None, at_time=None, starts_on=None, ends_on=None,
         kind=SlotKind.HELP, category=Category.MEALS) -> RotaSlot:
    s = RotaSlot(circle_id=circle.id, title=title, category=category, kind=kind, frequency=frequency,
                 weekday=weekday, day_part=day_part, at_time=at_time, starts_on=starts_on or local_today(),
                 ends_on=ends_on)
    db.session.add(s)
    db.session.flush()
    return s


def feed_url(person) -> str:
    return f"/calendar/{cal.new_feed(db.session, person).token}.ics"


def parse(response) -> list:
    assert response.status_code == 200, response.status_code
    calendar = Calendar.from_ical(response.data)
    return [c for c in calendar.walk("VEVENT")]


def said(locale: str, slot_title: str) -> str:
    """A rota date's title as the app says it in ``locale`` (the catalogue may not have it yet)."""
    with force_locale(locale):
        return gettext("%(slot)s – circle around %(name)s", slot=slot_title, name="Annie")


def summaries(events) -> list[str]:
    return [str(e.get("summary")) for e in events]


@pytest.fixture
def rota(cw):
    """Annie's circle with four slots; Ria took a series, a single date, and gave one date back."""
    today = local_today()
    soon = today + timedelta(days=2)
    meals = slot(cw.circle, "Maaltijd", Frequency.WEEKLY, weekday=soon.weekday(), day_part=DayPart.EVENING)
    call = slot(cw.circle, "Telefoontje", Frequency.DAILY, at_time=time(10, 0), category=Category.COMPANY,
                kind=SlotKind.CHECK_IN)
    walk = slot(cw.circle, "Wandelen", Frequency.FORTNIGHTLY, weekday=soon.weekday(), category=Category.EXERCISE)
    old = slot(cw.circle, "Oud", Frequency.DAILY, starts_on=today - timedelta(days=30),
               ends_on=today - timedelta(days=1))
    db.session.add_all([
        SlotSeries(slot_id=meals.id, neighbour_id=cw.ria.id, starts_on=today),
        Shift(slot_id=meals.id, on_date=soon + timedelta(days=7), taken_by_id=None, given_back=True),
        Shift(slot_id=call.id, on_date=today + timedelta(days=3), taken_by_id=cw.ria.id),
        Shift(slot_id=call.id, on_date=today + timedelta(days=4), taken_by_id=cw.annie.id),
        Shift(slot_id=walk.id, on_date=soon, taken_by_id=cw.ria.id),
        Shift(slot_id=old.id, on_date=today - timedelta(days=2), taken_by_id=cw.ria.id),
    ])
    db.session.commit()
    return {"meals": meals, "call": call, "walk": walk, "soon": soon}


@pytest.fixture
def agreed(cw):
    """Annie asked, Ria helps: agreed for the day after tomorrow at 14:00; a private address and phone in it."""
    cw.annie.phone = PHONE
    ask = posts.create_post(db.session, cw.annie, post_input(title="Lamp ophangen", place_note=PLACE_NOTE))
    match = match_flow.respond(db.session, cw.ria, ask)
    match_flow.accept(db.session, cw.annie, match)
    start = local_to_utc(local_today() + timedelta(days=2), time(14, 0))
    match_flow.set_agreed_start(db.session, cw.annie, match, start)
    on_a_day = posts.create_post(db.session, cw.annie, post_input(
        title="Boodschappen op vrijdag", timing=Timing.ONCE, on_date=local_today() + timedelta(days=5),
        day_part=DayPart.MORNING, period_start=None, period_end=None))
    dated = match_flow.respond(db.session, cw.ria, on_a_day)
    match_flow.accept(db.session, cw.annie, dated)
    undated = posts.create_post(db.session, cw.annie, post_input(title="Ergens deze maand"))
    match_flow.accept(db.session, cw.annie, match_flow.respond(db.session, cw.ria, undated))
    waiting = posts.create_post(db.session, cw.annie, post_input(title="Nog niet afgesproken"))
    match_flow.respond(db.session, cw.ria, waiting)
    db.session.commit()
    return match


# --- the rota, read -------------------------------------------------------------------------------

def test_who_has_which_date(cw, rota):
    today = local_today()
    dates = cal.rota_dates(db.session, Circle.id == cw.circle.id, today, today + timedelta(days=28))
    by = {(d.slot.id, d.on_date): d.taken_by_id for d in dates}
    soon = rota["soon"]
    assert by[rota["meals"].id, soon] == cw.ria.id                        # her series
    assert by[rota["meals"].id, soon + timedelta(days=7)] is None         # given back
    assert by[rota["meals"].id, soon + timedelta(days=14)] == cw.ria.id
    assert by[rota["call"].id, today + timedelta(days=3)] == cw.ria.id
    assert by[rota["call"].id, today + timedelta(days=4)] == cw.annie.id
    assert by[rota["call"].id, today + timedelta(days=5)] is None
    assert by[rota["walk"].id, soon] == cw.ria.id
    assert by[rota["walk"].id, soon + timedelta(days=14)] is None
    assert (rota["walk"].id, soon + timedelta(days=7)) not in by           # fortnightly


# --- the feed -------------------------------------------------------------------------------------

def test_the_feed_has_my_rota_dates_and_agreed_help(cw, rota, agreed, client):
    url = feed_url(cw.ria)
    db.session.commit()
    response = client.get(url)  # no log-in: the token is the key
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    events = parse(response)
    today, soon = local_today(), rota["soon"]
    meals = [e for e in events if str(e["summary"]).startswith("Maaltijd")]
    # weekly for eight weeks from today, one given back
    assert len(meals) == len([d for d in range(0, 56, 7) if soon + timedelta(days=d) < today + timedelta(weeks=8)]) - 1
    assert str(meals[0]["summary"]) == said("nl", "Maaltijd")  # in Ria's language
    assert meals[0].decoded("dtstart") == local_to_utc(soon, time(18, 0))
    assert meals[0].decoded("dtend") == local_to_utc(soon, time(21, 0))
    call = [e for e in events if str(e["summary"]).startswith("Telefoontje")]
    assert [e.decoded("dtstart") for e in call] == [local_to_utc(today + timedelta(days=3), time(10, 0))]
    walk = [e for e in events if str(e["summary"]).startswith("Wandelen")]
    assert [e.decoded("dtstart") for e in walk] == [soon]  # all day
    assert not any(str(s).startswith("Oud") for s in summaries(events))
    help_ = [e for e in events if str(e["summary"]) == "Lamp ophangen"]
    assert [e.decoded("dtstart") for e in help_] == [agreed.agreed_start]
    assert help_[0].decoded("dtend") == agreed.agreed_start + timedelta(minutes=60)
    friday = [e for e in events if str(e["summary"]) == "Boodschappen op vrijdag"]
    assert friday[0].decoded("dtstart") == local_to_utc(today + timedelta(days=5), time(9, 0))
    assert "Ergens deze maand" not in summaries(events) and "Nog niet afgesproken" not in summaries(events)
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids))
    assert f"match-{agreed.id}@buurthulp" in uids
    assert f"rota-{rota['call'].id}-{today + timedelta(days=3):%Y%m%d}@buurthulp" in uids


def test_the_feed_holds_no_private_details(cw, rota, agreed, client):
    url = feed_url(cw.ria)
    cw.ria.phone = "06 99999999"
    db.session.commit()
    text = client.get(url).data.decode()
    for secret in (PRIVATE, PLACE_NOTE, PHONE, "06 99999999", "3554 AB", "annie@example.org", "ria@example.org",
                   "In de gang"):
        assert secret not in text, secret


def test_uids_are_stable_and_the_centre_has_her_own_dates(cw, rota, agreed, client):
    ria_url, annie_url = feed_url(cw.ria), feed_url(cw.annie)
    db.session.commit()
    first = [str(e["uid"]) for e in parse(client.get(ria_url))]
    assert first == [str(e["uid"]) for e in parse(client.get(ria_url))]
    annie = parse(client.get(annie_url))
    # Annie took one call; she is also the asker of the agreed help
    assert [str(e["summary"]) for e in annie if str(e["summary"]).startswith("Telefoontje")] == [
        said("nl", "Telefoontje")]
    assert "Lamp ophangen" in summaries(annie)
    assert not any(str(s).startswith("Maaltijd") for s in summaries(annie))


def test_the_feed_is_in_the_owners_language(cw, rota, client):
    cw.ria.locale = "en"
    url = feed_url(cw.ria)
    db.session.commit()
    assert said("en", "Telefoontje") == "Telefoontje – circle around Annie"
    assert said("en", "Telefoontje") in summaries(parse(client.get(url)))


def test_someone_who_left_the_circle_or_an_ended_circle_has_no_rota_dates(cw, rota, client):
    url = feed_url(cw.ria)
    db.session.commit()
    assert any("Maaltijd" in s for s in summaries(parse(client.get(url))))
    member = db.session.scalar(sa.select(CircleMember).where(CircleMember.neighbour_id == cw.ria.id))
    member.status = MemberStatus.LEFT
    db.session.commit()
    assert summaries(parse(client.get(url))) == []
    member.status = MemberStatus.ACTIVE
    db.session.get(Circle, cw.circle.id).status = CircleStatus.ENDED
    db.session.commit()
    assert summaries(parse(client.get(url))) == []


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 200, "%00"])
def test_an_unknown_token_is_a_404(cw, client, token):
    cal.new_feed(db.session, cw.ria)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_new_address_revokes_the_old_one_and_removing_it_ends_it(cw, client):
    old = feed_url(cw.ria)
    db.session.commit()
    assert client.get(old).status_code == 200
    new = feed_url(cw.ria)
    db.session.commit()
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    cal.remove_feed(db.session, cw.ria)
    db.session.commit()
    assert client.get(new).status_code == 404


def test_a_deleted_account_has_no_feed(cw, client):
    url = feed_url(cw.ria)
    cw.ria.deleted_at = utcnow()
    db.session.commit()
    assert client.get(url).status_code == 404


def test_the_feed_runs_a_fixed_number_of_queries(cw, rota, agreed, client, count_queries):
    url = feed_url(cw.ria)
    db.session.commit()
    ria_id, zuilen_id, kracht_id = cw.ria.id, cw.zuilen.id, cw.kracht.id

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    few = queries()
    today = local_today()
    ria, zuilen = db.session.get(Neighbour, ria_id), db.session.get(Neighbourhood, zuilen_id)
    for i in range(3):  # more circles, slots, series, dates and agreed help
        centre = make_neighbour(zuilen, name=f"Centrum {i}")
        circle = Circle(centre_id=centre.id, initiative_id=kracht_id, status=CircleStatus.ACTIVE)
        db.session.add(circle)
        db.session.flush()
        db.session.add_all([CircleMember(circle_id=circle.id, neighbour_id=centre.id, role=MemberRole.CENTRE,
                                         status=MemberStatus.ACTIVE),
                            CircleMember(circle_id=circle.id, neighbour_id=ria.id, status=MemberStatus.ACTIVE)])
        for j in range(4):
            s = slot(circle, f"Klus {i}.{j}", Frequency.WEEKLY, weekday=j, day_part=DayPart.MORNING)
            db.session.add(SlotSeries(slot_id=s.id, neighbour_id=ria.id, starts_on=today))
            db.session.add(Shift(slot_id=s.id, on_date=today + timedelta(days=j + 1), taken_by_id=ria.id))
        ask = posts.create_post(db.session, centre, post_input(title=f"Hulp {i}"))
        m = match_flow.respond(db.session, ria, ask)
        match_flow.accept(db.session, centre, m)
        match_flow.set_agreed_start(db.session, centre, m, local_to_utc(today + timedelta(days=i + 1), time(11)))
    db.session.commit()
    assert queries() == few
    assert len(parse(client.get(url))) > 40


# --- the page -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_each_role_manages_only_their_own_address(cw, client, role):
    if role == "anonymous":
        for method, url in (("get", "/circles/calendar"), ("post", "/circles/calendar/new"),
                            ("post", "/circles/calendar/remove")):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0
        return
    ria_feed = cal.new_feed(db.session, cw.ria) if role != "ria" else None
    db.session.commit()
    person = getattr(cw, role)
    client.login(f"{role}@example.org")
    page = client.get("/circles/calendar")
    assert page.status_code == 200
    assert ".ics" not in page.get_data(as_text=True)
    assert client.post("/circles/calendar/new").status_code == 302
    mine = db.session.get(CalendarFeed, person.id)
    db.session.refresh(mine)
    html = client.get("/circles/calendar").get_data(as_text=True)
    assert f"/calendar/{mine.token}.ics" in html
    if ria_feed is not None:
        assert ria_feed.token not in html
    assert client.post("/circles/calendar/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarFeed, person.id) is None
    if ria_feed is not None:  # someone else's address stays as it was
        assert db.session.get(CalendarFeed, cw.ria.id).token == ria_feed.token


def test_the_buttons_need_the_form_token(cw, client):
    client.login("ria@example.org")
    assert client.post("/circles/calendar/new", csrf=False).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0


def test_a_new_address_on_the_page_revokes_the_old_one(cw, client):
    client.login("ria@example.org")
    client.post("/circles/calendar/new")
    first = db.session.get(CalendarFeed, cw.ria.id).token
    client.post("/circles/calendar/new")
    db.session.expire_all()
    second = db.session.get(CalendarFeed, cw.ria.id).token
    assert first != second and len(second) >= 43
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200


def test_the_token_is_not_in_the_request_log(cw, client, caplog):
    url = feed_url(cw.ria)
    db.session.commit()
    with caplog.at_level("INFO"):
        client.get(url)
    assert url.split("/")[-1] not in caplog.text


def test_sources_can_be_added(cw, client):
    def activities(session, person, start, end):
        return [cal.Event(uid="activity-1@buurthulp", title="Koffieochtend", start=start, end=start + timedelta(1))]

    url = feed_url(cw.ria)
    db.session.commit()
    cal.register_source(activities)
    cal.register_source(activities)  # once is enough
    try:
        assert summaries(parse(client.get(url))) == ["Koffieochtend"]
    finally:
        cal._sources.remove(activities)
    assert summaries(parse(client.get(url))) == []

