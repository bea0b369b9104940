"""Help cannot be said to be done, or confirmed, before the agreed day has come (local time); nor by the 7-day job."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask_babel import force_locale, format_date, gettext
from markupsafe import escape

from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts.models import MatchStatus
from buurthulp.timeutil import local_to_utc, local_today

IN_FIVE_DAYS = 5


@pytest.fixture
def config_overrides():
    return {"LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def login(make_client):
    def login(person):
        client = make_client()
        client.login(person.email)
        return client
    return login


def nl(msgid: str, **kw) -> str:
    with force_locale("nl"):
        return str(escape(gettext(msgid, **kw)))


def day_nl(day) -> str:
    with force_locale("nl"):
        return format_date(day, "d MMMM")


@pytest.fixture
def agreed(world, make_post):
    """Ria said yes to Ahmed; they meet in five days at half past two."""
    ask = make_post(world.ria, title="Plank ophangen")
    match = match_flow.respond(db.session, world.ahmed, ask, "")
    match_flow.accept(db.session, world.ria, match)
    day = local_today() + timedelta(days=IN_FIVE_DAYS)
    match_flow.set_agreed_start(db.session, world.ria, match, local_to_utc(day, time(14, 30)))
    db.session.commit()
    return match, day


# --- the service ------------------------------------------------------------------------------------

def test_done_is_refused_before_the_agreed_day_and_says_from_when(app, world, agreed):
    match, day = agreed
    with pytest.raises(DomainError) as refused:
        match_flow.mark_done(db.session, world.ahmed, match, 60)
    with force_locale("nl"):
        assert str(refused.value.message) == f"Dit kan vanaf de afgesproken dag, {day_nl(day)}."
    with force_locale("en"):
        assert str(refused.value.message) == f"This can be done from the agreed day, {format_date(day, 'd MMMM')}."
    assert match.done_marked_at is None
    day_before_at_night = local_to_utc(day - timedelta(days=1), time(23, 59))
    with pytest.raises(DomainError):
        match_flow.mark_done(db.session, world.ahmed, match, 60, now=day_before_at_night)


def test_on_the_agreed_day_it_can_be_done_also_before_the_agreed_hour(world, agreed):
    match, day = agreed
    morning = local_to_utc(day, time(8, 0))  # the appointment is at 14:30; a day is what counts
    match_flow.mark_done(db.session, world.ahmed, match, 60, now=morning)
    match_flow.confirm_done(db.session, world.ria, match, now=morning)
    assert match.status == MatchStatus.DONE


def test_confirming_waits_for_a_day_moved_later(world, agreed):
    match, day = agreed
    on_the_day = local_to_utc(day, time(16, 0))
    match_flow.mark_done(db.session, world.ahmed, match, 60, now=on_the_day)
    later = day + timedelta(days=3)  # they plan to come back to finish it
    match_flow.set_agreed_start(db.session, world.ria, match, local_to_utc(later, time(10, 0)))
    with pytest.raises(DomainError):
        match_flow.confirm_done(db.session, world.ria, match, now=on_the_day + timedelta(hours=1))
    match_flow.confirm_done(db.session, world.ria, match, now=local_to_utc(later, time(0, 1)))
    assert match.status == MatchStatus.DONE


def test_no_agreed_day_no_wait(world, make_post):
    ask = make_post(world.ria, title="Plank ophangen")
    match = match_flow.respond(db.session, world.ahmed, ask, "")
    match_flow.accept(db.session, world.ria, match)
    match_flow.mark_done(db.session, world.ahmed, match, 60)
    match_flow.confirm_done(db.session, world.ria, match)
    assert match.status == MatchStatus.DONE


def test_the_seven_day_job_does_not_confirm_before_the_agreed_day(world, agreed):
    match, day = agreed
    marked = local_to_utc(local_today(), time(0, 0)) - timedelta(days=3)
    match.agreed_start = marked  # the day they first agreed on, when Ahmed said it was done
    match_flow.mark_done(db.session, world.ahmed, match, 60, now=marked)
    far = local_today() + timedelta(days=20)
    match_flow.set_agreed_start(db.session, world.ria, match, local_to_utc(far, time(9, 0)))  # then moved on
    db.session.commit()
    week_later = marked + timedelta(days=8)
    assert match_flow.confirm_done_matches(db.session, week_later) == 0
    assert match.status == MatchStatus.ACCEPTED
    the_day = local_to_utc(far, time(0, 30))
    assert match_flow.confirm_done_matches(db.session, the_day) == 1
    db.session.commit()
    assert match.status == MatchStatus.DONE and match.done_at == the_day


# --- the pages --------------------------------------------------------------------------------------

def test_the_page_says_from_when_instead_of_offering_the_button(world, login, agreed):
    match, day = agreed
    for person in (world.ahmed, world.ria):
        page = login(person).get(f"/matches/{match.id}").get_data(as_text=True)
        assert nl("You can say it is done from the agreed day, %(day)s.", day=day_nl(day)) in page
        assert f'action="/matches/{match.id}/done"' not in page and nl("It is done") not in page


def test_posting_done_before_the_day_is_refused_on_the_match_page(world, login, agreed):
    match, day = agreed
    response = login(world.ahmed).post(f"/matches/{match.id}/done", {"hours": "1"})
    assert response.status_code == 400
    assert f"Dit kan vanaf de afgesproken dag, {day_nl(day)}." in response.get_data(as_text=True)
    db.session.expire_all()
    assert match.done_marked_at is None and match.status == MatchStatus.ACCEPTED


def test_confirming_before_the_day_is_refused_and_not_offered(world, login, agreed):
    match, day = agreed
    match.agreed_start = utcnow() - timedelta(hours=2)
    match_flow.mark_done(db.session, world.ahmed, match, 60)
    match_flow.set_agreed_start(db.session, world.ria, match, local_to_utc(day, time(14, 30)))
    db.session.commit()
    ria = login(world.ria)
    page = ria.get(f"/matches/{match.id}").get_data(as_text=True)
    assert nl("You can confirm it from the agreed day, %(day)s.", day=day_nl(day)) in page
    assert f'action="/matches/{match.id}/confirm"' not in page
    response = ria.post(f"/matches/{match.id}/confirm", {"hours": ""})
    assert response.status_code == 400
    assert f"Dit kan vanaf de afgesproken dag, {day_nl(day)}." in response.get_data(as_text=True)
    db.session.expire_all()
    assert match.status == MatchStatus.ACCEPTED


def test_once_the_day_has_come_the_button_is_there(world, login, agreed):
    match, _ = agreed
    match.agreed_start = utcnow() - timedelta(hours=2)
    db.session.commit()
    ahmed = login(world.ahmed)
    assert f'action="/matches/{match.id}/done"' in ahmed.get(f"/matches/{match.id}").get_data(as_text=True)
    assert ahmed.post(f"/matches/{match.id}/done", {"hours": "1"}).status_code == 302


def test_only_the_two_can_say_it_is_done(world, login, agreed, client):
    match, _ = agreed
    match.agreed_start = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert client.post(f"/matches/{match.id}/done", {"hours": "1"}).status_code == 302  # anonymous: log in
    assert login(world.broker).post(f"/matches/{match.id}/done", {"hours": "1"}).status_code == 403
    assert login(world.joost).post(f"/matches/{match.id}/done", {"hours": "1"}).status_code == 404
    db.session.expire_all()
    assert match.done_marked_at is None
