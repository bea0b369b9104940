"""The pages of activities, as neighbours and organisers go through them: put on, find, join, wait, leave, write,
cancel, move, count, leave a note, report, hide; and bad input is a 400 that says why, in Dutch."""

from __future__ import annotations

import html
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext

from buurthulp.activities import services, signups
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivityKind,
    ActivityNote,
    ActivityOrganiser,
    ActivityStatus,
    Cost,
    DateStatus,
    Repeat,
    SignupStatus,
)
from buurthulp.extensions import db
from buurthulp.posts.models import Notification, NotificationKind
from buurthulp.posts.moderation import block
from buurthulp.timeutil import local_to_utc, local_today
from tests.conftest import mail_text


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default pages show it (English until the nl catalogue has it)."""
    with force_locale("nl"):
        return gettext(msgid, **variables)


def text(response) -> str:
    """The page as a reader sees its text: character references read ("I&#39;m" is "I'm")."""
    return html.unescape(response.get_data(as_text=True))


def form(**changes) -> dict:
    """The activity form as a neighbour fills it in: a weekly singing afternoon from next week, in the church."""
    data = {"title": "Samen zingen", "kind": "creative", "place_id": "", "place_note": "In de Triumfatorkerk",
            "starts_on": (local_today() + timedelta(days=7)).isoformat(), "start_time": "14:00", "duration": "90",
            "repeat": "weekly", "repeat_until": "", "capacity": "", "cost": "free", "cost_amount": "",
            "audience": "everyone", "audience_note": "", "initiative_id": "", "show_notes": "y",
            "description": "We zingen oude liedjes."}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def date_url(activity, on) -> str:
    return f"/activities/{activity.id}/{on.isoformat()}"


def status_of(aw, person, on=None):
    s = signups.signup_of(db.session, aw.coffee, on or aw.first, person.id)
    return s.status if s is not None else None


# --- putting on and finding -----------------------------------------------------------------------

def test_a_weekly_activity_put_on_shows_in_the_list_and_the_week(client, aw, make_client):
    client.login("anna@example.org")
    assert nl("Put on an activity") in text(client.get("/activities/new"))
    response = client.post("/activities/new", form(capacity=12))
    assert response.status_code == 302
    activity = db.session.scalar(sa.select(Activity).where(Activity.title == "Samen zingen"))
    assert response.headers["Location"].endswith(f"/activities/{activity.id}")
    assert (activity.repeat, activity.capacity, activity.place_note, activity.author_id) == (
        Repeat.WEEKLY, 12, "In de Triumfatorkerk", aw.anna.id)
    page = text(client.get(f"/activities/{activity.id}"))
    assert "Samen zingen" in page and "We zingen oude liedjes." in page and "In de Triumfatorkerk" in page
    assert page.count('data-date="') == 7  # the coming 8 weeks, from next week on: 7 dates

    joost = make_client()  # next door, in Ondiep
    joost.login("joost@example.org")
    listed = text(joost.get("/activities/", query_string={"when": "all", "kind": "creative"}))
    assert listed.count(f'data-date="{activity.id}-') == 12  # every week of the coming 90 days but this one
    first = activity.starts_on
    week = text(joost.get("/activities/week", query_string={"start": first.isoformat()}))
    assert f'data-date="{activity.id}-{first.isoformat()}"' in week and "Samen zingen" in week
    karin = make_client()
    karin.login("karin@example.org")
    assert "Samen zingen" not in text(karin.get("/activities/", query_string={"when": "all"}))


def test_a_place_of_the_map_links_to_its_page(client, aw):
    client.login("otto@example.org")
    page = text(client.get(f"/activities/{aw.coffee.id}"))
    assert f'href="/places/{aw.centre.id}"' in page and "Buurthuis De Schakel" in page
    assert f'<option value="{aw.centre.id}">Buurthuis De Schakel</option>' in text(client.get("/activities/new"))


def test_a_coordinator_puts_one_on_in_the_name_of_the_initiative(client, aw):
    client.login("anna@example.org")
    assert "Kracht van Zuilen" not in text(client.get("/activities/new"))
    refused = client.post("/activities/new", form(initiative_id=aw.kracht.id))
    assert refused.status_code == 400 and nl("Not a valid choice.") in text(refused)
    client.logout()
    client.login("coordinator@example.org")
    assert "Kracht van Zuilen" in text(client.get("/activities/new"))
    assert client.post("/activities/new", form(initiative_id=aw.kracht.id)).status_code == 302
    activity = db.session.scalar(sa.select(Activity).where(Activity.title == "Samen zingen"))
    assert activity.initiative_id == aw.kracht.id
    assert "Kracht van Zuilen" in text(client.get(f"/activities/{activity.id}"))


def test_an_amount_is_read_the_dutch_way(client, aw):
    client.login("anna@example.org")
    assert client.post("/activities/new", form(cost="amount", cost_amount="2,50")).status_code == 302
    activity = db.session.scalar(sa.select(Activity).where(Activity.title == "Samen zingen"))
    assert (activity.cost, activity.cost_cents) == (Cost.AMOUNT, 250)
    assert "2,50" in text(client.get(f"/activities/{activity.id}"))
    # an amount typed and then "free" chosen is not an error: the amount is not used
    assert client.post("/activities/new", form(cost="free", cost_amount="abc")).status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"title": ""}, "Give the activity a name."),
    ({"place_note": ""}, "Choose a place, or say where it is."),
    ({"cost": "amount", "cost_amount": ""}, "Fill in what it costs, or choose free or pay what you can."),
    ({"cost": "amount", "cost_amount": "abc"}, None),
    ({"capacity": "0"}, "Fill in a number from 1 to 1000."),
    ({"capacity": "99999999999999999999"}, None),
    ({"audience": "other"}, "Say who the activity is for."),
    ({"starts_on": "2020-01-01"}, "The date has already passed. Choose today or a later day."),
    ({"starts_on": "0001-01-01"}, "Not a valid date value."),
    ({"starts_on": "morgen"}, "Not a valid date value."),
    ({"start_time": "25:00"}, None),
    ({"repeat_until": "2020-01-01"}, "The last date comes before the first date."),
    ({"duration": "100000"}, "Not a valid choice."),
    ({"kind": "rave"}, "Not a valid choice."),
    ({"place_id": "999999"}, "Not a valid choice."),
])
def test_bad_input_on_the_form_is_a_400_that_says_why(client, aw, changes, message):
    client.login("anna@example.org")
    response = client.post("/activities/new", form(**changes))
    assert response.status_code == 400
    if message is not None:
        assert nl(message) in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1  # only the coffee morning


# --- joining, the waiting list, leaving -----------------------------------------------------------

def test_join_wait_and_move_up_when_someone_leaves(client, make_client, aw):
    people = {}
    for name in ("anna", "bert", "joost"):
        people[name] = make_client()
        people[name].login(f"{name}@example.org")
    url = date_url(aw.coffee, aw.first)
    assert nl("I'm coming") in text(people["anna"].get(url))
    response = people["anna"].post(url + "/join", follow_redirects=True)
    assert nl("You are coming. See you there!") in text(response)
    people["bert"].post(url + "/join")
    page = text(people["joost"].get(url))
    assert nl("Put me on the waiting list") in page
    response = people["joost"].post(url + "/join", follow_redirects=True)
    assert nl("It is full. You are on the waiting list: when a place comes free, it is yours and we let you "
              "know.") in text(response)
    assert status_of(aw, aw.joost) == SignupStatus.WAITING

    response = people["anna"].post(url + "/leave", follow_redirects=True)
    assert nl("Fine. You are no longer signed up for this date.") in text(response)
    assert (status_of(aw, aw.anna), status_of(aw, aw.joost)) == (None, SignupStatus.COMING)
    assert nl("You are coming.") in text(people["joost"].get(url))
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.neighbour_id == aw.joost.id)) == \
        NotificationKind.ACTIVITY_MOVED_UP


def test_leaving_when_not_signed_up_is_a_400_that_says_why(client, aw):
    client.login("anna@example.org")
    response = client.post(date_url(aw.coffee, aw.first) + "/leave")
    assert response.status_code == 400 and nl("You had not signed up for this date.") in text(response)


def test_a_passed_or_cancelled_date_cannot_be_joined(client, aw):
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first, "Het buurthuis is dicht")
    db.session.commit()
    client.login("anna@example.org")
    response = client.post(date_url(aw.coffee, aw.first) + "/join")
    assert response.status_code == 400 and nl("This date has been cancelled.") in text(response)
    assert status_of(aw, aw.anna) is None


# --- the organisers -------------------------------------------------------------------------------

def test_organisers_see_first_names_and_neighbours_do_not(client, aw):
    aw.bert.display_name = "Bert van Dijk"
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    page = text(client.get(date_url(aw.coffee, aw.first)))
    assert f'data-person="{aw.bert.id}">Bert' in page and "van Dijk" not in page
    assert f'data-person="{aw.joost.id}">Joost' in page  # on the waiting list
    client.logout()
    client.login("anna@example.org")
    page = text(client.get(date_url(aw.coffee, aw.first)))
    assert "data-person" not in page and nl("For the organisers") not in page


def test_blocked_people_are_left_out_of_the_organisers_list(client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    signups.join(db.session, aw.bert, aw.coffee, aw.first)
    block(db.session, aw.bert, aw.otto)
    db.session.commit()
    client.login("otto@example.org")
    page = text(client.get(date_url(aw.coffee, aw.first)))
    assert f'data-person="{aw.anna.id}"' in page and f'data-person="{aw.bert.id}"' not in page


def test_a_message_reaches_everyone_coming(client, make_client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    url = date_url(aw.coffee, aw.first)
    empty = client.post(url + "/message", {"message": "  "})
    assert empty.status_code == 400 and nl("Write a message.") in text(empty)
    response = client.post(url + "/message", {"message": "Neem een paraplu mee"}, follow_redirects=True)
    assert nl("Your message is sent to everyone coming.") in text(response)
    anna = make_client()
    anna.login("anna@example.org")
    assert "Neem een paraplu mee" in text(anna.get(url))
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.neighbour_id == aw.anna.id)) == \
        NotificationKind.ACTIVITY_MESSAGE
    joost = make_client()  # not signed up: no messages
    joost.login("joost@example.org")
    assert "Neem een paraplu mee" not in text(joost.get(url))


def test_cancelling_a_date_tells_everyone_coming_at_once(client, make_client, aw, outbox):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    url = date_url(aw.coffee, aw.first)
    response = client.post(url + "/cancel", {"reason": "Het buurthuis is dicht"}, follow_redirects=True)
    assert nl("This date is cancelled. We told everyone who was coming.") in text(response)
    anna = make_client()
    anna.login("anna@example.org")
    page = text(anna.get(url))
    assert nl("This date is cancelled. The activity does not take place on this day.") in page
    assert "Het buurthuis is dicht" in page and nl("I'm not coming after all") not in page
    mails = [m for m in outbox() if m["To"] == "anna@example.org"]
    assert len(mails) == 1 and "Het buurthuis is dicht" in mail_text(mails[0])
    again = client.post(url + "/cancel", {"reason": ""})
    assert again.status_code == 400 and nl("This date has been cancelled.") in text(again)


def test_moving_a_date_shows_it_on_its_new_day(client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    url = date_url(aw.coffee, aw.first)
    assert client.get(url + "/move").status_code == 200
    new_day = aw.first + timedelta(days=1)
    response = client.post(url + "/move", {"new_day": new_day.isoformat(), "new_time": "14:30",
                                           "reason": "De zaal is bezet"}, follow_redirects=True)
    assert nl("The date is moved. We told everyone who was coming.") in text(response)
    row = db.session.scalar(sa.select(ActivityDate).where(ActivityDate.activity_id == aw.coffee.id))
    assert (row.status, row.moved_to, row.moved_time) == (DateStatus.MOVED, new_day, time(14, 30))
    page = text(client.get(url))
    assert "De zaal is bezet" in page and "14:30" in page
    week = text(client.get("/activities/week", query_string={"start": new_day.isoformat()}))
    day_section = week.split(f'id="day-{new_day.isoformat()}"')[1].split("</section>")[0]
    assert f'data-date="{aw.coffee.id}-{aw.first.isoformat()}"' in day_section
    assert status_of(aw, aw.anna) == SignupStatus.COMING


@pytest.mark.parametrize("new_day, new_time, message", [
    (60, "10:00", "A date can be moved by at most a month. Cancel it and add a new activity instead."),
    (7, "10:00", "The activity already takes place on that day."),
    (0, "10:00", "Choose another day or time."),
    (-400, "10:00", "The new date has already passed."),
    (None, "10:00", "Choose the new date."),
    (1, "", "Fill in the start time, for example 10:00."),
])
def test_a_move_that_cannot_be_is_a_400_that_says_why(client, aw, new_day, new_time, message):
    client.login("otto@example.org")
    day = "" if new_day is None else (aw.first + timedelta(days=new_day)).isoformat()
    response = client.post(date_url(aw.coffee, aw.first) + "/move", {"new_day": day, "new_time": new_time})
    assert response.status_code == 400 and nl(message) in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivityDate)) == 0


@pytest.fixture
def walk(aw):
    """Otto's weekly walk that began two weeks ago; Anna came to the date a week ago."""
    today = local_today()
    began = local_to_utc(today - timedelta(days=14), time(9, 0))
    walk = services.put_on(db.session, aw.otto, services.ActivityInput(
        title="Wandeling", kind=ActivityKind.WALK, starts_on=today - timedelta(days=14), start_time=time(10, 0),
        repeat=Repeat.WEEKLY, place_note="Bij de kerk"), now=began)
    signups.join(db.session, aw.anna, walk, today - timedelta(days=7), now=began)
    db.session.commit()
    return walk


def test_organisers_say_how_many_came_after_the_date(client, aw, walk):
    past = local_today() - timedelta(days=7)
    client.login("otto@example.org")
    url = date_url(walk, past)
    assert nl("How many came?") in text(client.get(url))
    for bad in ("-1", "10001", "veel", ""):
        response = client.post(url + "/attendance", {"number": bad})
        assert response.status_code == 400, bad
    assert nl("Fill in a number from 0 to 10000.") in text(client.post(url + "/attendance", {"number": "-1"}))
    response = client.post(url + "/attendance", {"number": "7"}, follow_redirects=True)
    with force_locale("nl"):
        said = ngettext("You said %(num)d person came.", "You said %(num)d people came.", 7)
    assert said in text(response)
    assert db.session.scalar(sa.select(ActivityDate.attendance).where(ActivityDate.activity_id == walk.id)) == 7
    future = client.post(date_url(walk, local_today() + timedelta(days=7)) + "/attendance", {"number": "3"})
    assert future.status_code == 400 and nl("You can say how many came once the date has been.") in text(future)


def test_someone_who_came_leaves_a_note_that_shows_with_the_activity(client, aw, walk):
    past = local_today() - timedelta(days=7)
    client.login("anna@example.org")
    url = date_url(walk, past)
    assert nl("How was it?") in text(client.get(url))
    too_long = client.post(url + "/note", {"note": "x" * 301})
    assert too_long.status_code == 400 and nl("Use at most %(n)d characters.", n=300) in text(too_long)
    response = client.post(url + "/note", {"note": "Leuk om te doen"}, follow_redirects=True)
    assert nl("Thank you for your note.") in text(response)
    assert "Leuk om te doen" in text(client.get(f"/activities/{walk.id}"))
    again = client.post(url + "/note", {"note": "Nog een keer"})
    assert again.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivityNote)) == 1
    walk.show_notes = False
    db.session.commit()
    assert "Leuk om te doen" not in text(client.get(f"/activities/{walk.id}"))


def test_organisers_change_the_activity_and_those_coming_hear_of_it(client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    page = text(client.get(f"/activities/{aw.coffee.id}/edit"))
    assert 'value="Koffieochtend"' in page and nl("In the name of") not in page
    response = client.post(f"/activities/{aw.coffee.id}/edit", form(
        title="Koffieochtend", kind="coffee", place_id=aw.centre.id, place_note="", capacity=2,
        starts_on=aw.first.isoformat(), start_time="10:30", duration="120"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, aw.coffee.id).start_time == time(10, 30)
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.neighbour_id == aw.anna.id)) == \
        NotificationKind.ACTIVITY_CHANGED


def test_making_someone_organiser_and_stopping(client, make_client, aw):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    client.login("otto@example.org")
    alone = client.post(f"/activities/{aw.coffee.id}/stop-organising")
    assert alone.status_code == 400
    assert nl("Ask someone else to organise it first, or cancel the activity.") in text(alone)
    refused = client.post(f"/activities/{aw.coffee.id}/organisers/{aw.joost.id}")
    assert refused.status_code == 400
    assert nl("You can only ask someone who signed up for this activity.") in text(refused)
    url = date_url(aw.coffee, aw.first)
    response = client.post(f"/activities/{aw.coffee.id}/organisers/{aw.anna.id}", {"next": url})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    anna = make_client()
    anna.login("anna@example.org")
    assert anna.get(f"/activities/{aw.coffee.id}/edit").status_code == 200
    assert client.post(f"/activities/{aw.coffee.id}/stop-organising").status_code == 302
    assert db.session.scalars(sa.select(ActivityOrganiser.neighbour_id).where(
        ActivityOrganiser.activity_id == aw.coffee.id)).all() == [aw.anna.id]


def test_cancelling_the_whole_activity(client, aw):
    client.login("otto@example.org")
    response = client.post(f"/activities/{aw.coffee.id}/cancel", follow_redirects=True)
    assert nl("The activity is cancelled. We told everyone who was coming.") in text(response)
    assert db.session.get(Activity, aw.coffee.id).status == ActivityStatus.CANCELLED
    again = client.post(f"/activities/{aw.coffee.id}/cancel")
    assert again.status_code == 400 and nl("This activity has already been cancelled.") in text(again)
    client.logout()
    client.login("anna@example.org")
    assert nl("This activity has been cancelled.") in text(client.get(f"/activities/{aw.coffee.id}"))
    assert client.post(date_url(aw.coffee, aw.first) + "/join").status_code == 403
    assert f'data-date="{aw.coffee.id}-' not in text(client.get("/activities/"))


def test_the_menu_leads_to_activities(client, aw):
    client.login("anna@example.org")
    page = text(client.get("/activities/"))
    assert 'href="/activities/" aria-current="page"' in page and nl("Activities") in page
    assert 'href="/activities/"' in text(client.get("/posts"))
