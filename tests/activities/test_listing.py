"""The list and the week of activities: the dates of a series (weekly, every other week, monthly), moved and
cancelled dates, the filters, and a fixed number of queries however many activities and sign-ups there are."""

from __future__ import annotations

import html
import re
from datetime import date, time, timedelta

import pytest
from flask_babel import force_locale, gettext

from buurthulp.activities import services, signups
from buurthulp.activities.dates import week_of_month
from buurthulp.activities.models import ActivityKind, ActivitySignup, Repeat, SignupStatus
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.places.models import Place, PlaceStatus
from buurthulp.timeutil import local_today
from tests.activities.conftest import next_weekday
from tests.factories import make_neighbour


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default pages show it (English until the nl catalogue has it)."""
    with force_locale("nl"):
        return gettext(msgid, **variables)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def listed(page: str, activity) -> list[date]:
    """The dates of ``activity`` that a page lists, in the order shown."""
    return [date.fromisoformat(d) for d in re.findall(rf'data-date="{activity.id}-(\d{{4}}-\d\d-\d\d)"', page)]


def put_on(aw, person=None, **kw):
    data = {"title": "Wandeling", "kind": ActivityKind.WALK, "starts_on": next_weekday(1), "start_time": time(10),
            "place_note": "Bij de kerk", **kw}
    activity = services.put_on(db.session, person or aw.anna, services.ActivityInput(**data))
    db.session.commit()
    return activity


@pytest.fixture
def anna(client, aw):
    client.login("anna@example.org")
    return client


# --- the dates of a series ------------------------------------------------------------------------

@pytest.mark.parametrize("repeat, step", [(Repeat.WEEKLY, 7), (Repeat.FORTNIGHTLY, 14)])
def test_a_series_shows_each_of_its_dates(anna, aw, repeat, step):
    walk = put_on(aw, repeat=repeat)
    shown = listed(text(anna.get("/activities/", query_string={"when": "all", "kind": "walk"})), walk)
    end = local_today() + timedelta(days=89)
    expected = [walk.starts_on + timedelta(days=i * step) for i in range(20)
                if walk.starts_on + timedelta(days=i * step) <= end]
    assert shown == expected and len(shown) >= 90 // step - 1


def test_a_monthly_series_keeps_the_weekday_of_the_month(anna, aw):
    walk = put_on(aw, repeat=Repeat.MONTHLY)
    shown = listed(text(anna.get("/activities/", query_string={"when": "all", "kind": "walk"})), walk)
    nth = week_of_month(walk.starts_on)
    assert len(shown) == 3
    for day in shown:
        assert day.weekday() == walk.starts_on.weekday()
        last = (day + timedelta(days=7)).month != day.month
        assert week_of_month(day) == nth or (nth == 5 and last), day


def test_a_series_ends_on_its_last_date_and_a_single_date_shows_once(anna, aw):
    walk = put_on(aw, repeat=Repeat.WEEKLY, repeat_until=next_weekday(1) + timedelta(days=14))
    once = put_on(aw, title="Bingo", kind=ActivityKind.GAMES, starts_on=next_weekday(4))
    page = text(anna.get("/activities/", query_string={"when": "all"}))
    assert len(listed(page, walk)) == 3
    assert listed(page, once) == [once.starts_on]


def test_moved_and_cancelled_dates(anna, aw):
    second, third = aw.first + timedelta(days=7), aw.first + timedelta(days=14)
    services.cancel_date(db.session, aw.otto, aw.coffee, second, "Vakantie")
    services.move_date(db.session, aw.otto, aw.coffee, third, third - timedelta(days=2), time(15, 0))
    db.session.commit()
    page = text(anna.get("/activities/", query_string={"when": "all", "kind": "coffee"}))
    assert listed(page, aw.coffee)[:3] == [aw.first, second, third]  # the moved one sorted on its new day
    card = page.split(f'data-date="{aw.coffee.id}-{second.isoformat()}"')[1].split("</article>")[0]
    assert nl("This date is cancelled.") in card
    card = page.split(f'data-date="{aw.coffee.id}-{third.isoformat()}"')[1].split("</article>")[0]
    assert "15:00" in card


def test_a_date_moved_into_a_week_from_outside_it_shows_in_that_week(anna, aw):
    """The next week's date moved back into this one: it is kept under its series date and shows on its new day."""
    second = aw.first + timedelta(days=7)
    new_day = second - timedelta(days=3)
    services.move_date(db.session, aw.otto, aw.coffee, second, new_day, time(10, 0))
    db.session.commit()
    monday = new_day - timedelta(days=new_day.weekday())
    page = text(anna.get("/activities/week", query_string={"start": monday.isoformat()}))
    day = page.split(f'id="day-{new_day.isoformat()}"')[1].split("</section>")[0]
    assert f'data-date="{aw.coffee.id}-{second.isoformat()}"' in day
    second_monday = second - timedelta(days=second.weekday())
    if second_monday != monday:
        later = text(anna.get("/activities/week", query_string={"start": second_monday.isoformat()}))
        assert f'data-date="{aw.coffee.id}-{second.isoformat()}"' not in later


# --- filters --------------------------------------------------------------------------------------

def test_when_kind_and_place_filter_the_list(anna, aw):
    # from tomorrow: next Tuesday (put_on's default) is a week away on a Tuesday, outside "this week"
    walk = put_on(aw, repeat=Repeat.WEEKLY, starts_on=local_today() + timedelta(days=1))
    week = text(anna.get("/activities/", query_string={"when": "week"}))
    assert all(d <= local_today() + timedelta(days=6) for d in listed(week, walk) + listed(week, aw.coffee))
    assert len(listed(week, walk)) == 1
    month = text(anna.get("/activities/"))
    assert 4 <= len(listed(month, walk)) <= 5  # the default: the coming month
    only_walks = text(anna.get("/activities/", query_string={"kind": "walk"}))
    assert listed(only_walks, walk) and not listed(only_walks, aw.coffee)
    assert f'<option value="{aw.centre.id}">Buurthuis De Schakel</option>' in month
    at_centre = text(anna.get("/activities/", query_string={"place": aw.centre.id}))
    assert listed(at_centre, aw.coffee) and not listed(at_centre, walk)
    assert f'<option selected value="{aw.centre.id}">' in at_centre


def test_a_public_place_without_activities_is_a_filter_that_finds_nothing(anna, aw):
    library = Place(name="Bibliotheek", kind=aw.centre.kind,
                    neighbourhood_id=aw.zuilen.id, status=PlaceStatus.PUBLIC)
    db.session.add(library)
    db.session.commit()
    response = anna.get("/activities/", query_string={"place": library.id})
    assert response.status_code == 200 and not listed(text(response), aw.coffee)
    assert anna.get("/activities/", query_string={"place": 999999}).status_code == 400


def test_the_week_has_seven_days_and_links_to_the_next_and_previous(anna, aw):
    page = text(anna.get("/activities/week", query_string={"start": aw.first.isoformat(), "kind": "coffee"}))
    monday = aw.first - timedelta(days=aw.first.weekday())
    assert all(f'id="day-{(monday + timedelta(days=i)).isoformat()}"' in page for i in range(7))
    assert f"start={(monday + timedelta(days=7)).isoformat()}" in page
    assert f"start={(monday - timedelta(days=7)).isoformat()}" in page
    assert listed(page, aw.coffee) == [aw.first]
    assert 'name="start"' in page  # the filters keep the week


def test_bad_filters_and_pages_are_a_400_and_a_bad_week_is_this_week(client, aw):
    client.login("anna@example.org")
    assert client.get("/activities/", query_string={"kind": "rave"}).status_code == 400
    assert client.get("/activities/", query_string={"place": "abc"}).status_code == 400
    assert client.get("/activities/", query_string={"page": "x"}).status_code == 400
    assert client.get("/activities/", query_string={"when": "ever"}).status_code == 400
    this_week = local_today() - timedelta(days=local_today().weekday())
    for start in ("nonsense", "9999-12-31", "0001-01-01", "2026-02-31", ""):
        response = client.get("/activities/week", query_string={"start": start})
        assert response.status_code == 200, start
        assert f'id="day-{this_week.isoformat()}"' in text(response)


def test_my_activities_lists_my_dates_and_what_i_organise(client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("anna@example.org")
    page = text(client.get("/activities/mine"))
    assert f'data-date="{aw.coffee.id}-{aw.first.isoformat()}"' in page and nl("You are coming.") in page
    assert nl("You do not organise an activity.") in page
    client.logout()
    client.login("otto@example.org")
    page = text(client.get("/activities/mine"))
    assert "Koffieochtend" in page and nl("You have not signed up for an activity yet.") in page


# --- a fixed number of queries --------------------------------------------------------------------

def _crowd(activity_id: int, n: int, on: date, zuilen_id: int, capacity: int = 2) -> None:
    """``n`` more neighbours of Zuilen sign up for a date of the activity (``capacity`` places: the rest wait)."""
    taken = db.session.query(ActivitySignup).filter_by(activity_id=activity_id, on_date=on).count()
    for i in range(n):
        person = make_neighbour(db.session.get(Neighbourhood, zuilen_id))
        status = SignupStatus.COMING if taken + i < capacity else SignupStatus.WAITING
        db.session.add(ActivitySignup(activity_id=activity_id, on_date=on, neighbour_id=person.id, status=status))
    db.session.commit()


def _more_activities(aw, n: int) -> None:
    for i in range(n):
        place = Place(name=f"Plek {i}", kind=aw.centre.kind, neighbourhood_id=aw.zuilen.id,
                      status=PlaceStatus.PUBLIC)
        db.session.add(place)
        db.session.flush()
        activity = put_on(aw, title=f"Activiteit {i}", repeat=Repeat.WEEKLY, place_id=place.id, place_note="")
        signups.join(db.session, aw.bert, activity, activity.starts_on)
    db.session.commit()


def _queries(client, count_queries, url: str, **query) -> int:
    """The queries of one request, with nothing known beforehand as in production (each request has a new
    database session; the tests share one, so everything in it is expired first)."""
    db.session.expire_all()
    with count_queries() as q:
        assert client.get(url, query_string=query).status_code == 200
    return q.count


def test_the_list_and_the_week_take_the_same_queries_for_2_or_200_sign_ups(client, aw, count_queries):
    coffee_id, first, zuilen_id, centre_id = aw.coffee.id, aw.first, aw.zuilen.id, aw.centre.id
    signups.join(db.session, aw.anna, aw.coffee, first)
    _crowd(coffee_id, 1, first, zuilen_id)
    client.login("anna@example.org")
    pages = [("/activities/", {}), ("/activities/", {"when": "all", "place": centre_id}),
             ("/activities/week", {"start": first.isoformat()}), ("/activities/mine", {})]
    before = [_queries(client, count_queries, url, **q) for url, q in pages]
    _crowd(coffee_id, 198, first, zuilen_id)
    _more_activities(aw, 10)
    signups.join(db.session, aw.anna, aw.coffee, first + timedelta(days=7))
    db.session.commit()
    after = [_queries(client, count_queries, url, **q) for url, q in pages]
    assert after == before


def test_a_date_with_200_sign_ups_takes_the_same_queries_as_with_2(client, aw, count_queries):
    coffee_id, first, zuilen_id = aw.coffee.id, aw.first, aw.zuilen.id
    _crowd(coffee_id, 2, first, zuilen_id)
    client.login("otto@example.org")
    url = f"/activities/{coffee_id}/{first.isoformat()}"
    before = _queries(client, count_queries, url)
    detail_before = _queries(client, count_queries, f"/activities/{coffee_id}")
    _crowd(coffee_id, 198, first, zuilen_id)
    for on in (first + timedelta(days=7 * i) for i in range(1, 8)):
        _crowd(coffee_id, 20, on, zuilen_id)
    page = text(client.get(url))
    assert page.count("data-person=") == 200
    assert _queries(client, count_queries, url) == before
    assert _queries(client, count_queries, f"/activities/{coffee_id}") == detail_before
