"""Activities in a calendar: one date as an .ics file, and the dates someone comes to in their calendar feed."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask_babel import force_locale, gettext
from icalendar import Calendar

from buurthulp.activities import services, signups
from buurthulp.activities.models import ActivityKind, Repeat
from buurthulp.circles import calendar as cal
from buurthulp.extensions import db
from buurthulp.posts.models import Block
from buurthulp.timeutil import local_to_utc, local_today


def ics(aw, on=None, activity=None):
    return f"/activities/{(activity or aw.coffee).id}/{(on or aw.first):%Y-%m-%d}.ics"


def the_event(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    return event


def feed(client, person) -> list:
    token = cal.new_feed(db.session, person).token
    db.session.commit()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return list(Calendar.from_ical(response.data).walk("VEVENT"))


def test_a_date_as_a_file_with_its_title_place_and_time(aw, client):
    client.login("anna@example.org")
    response = client.get(ics(aw))
    event = the_event(response)
    assert "attachment" in response.headers["Content-Disposition"]
    assert str(event["uid"]) == f"activity-{aw.coffee.id}-{aw.first:%Y%m%d}@buurthulp"
    assert str(event["summary"]) == "Koffieochtend"
    assert str(event["location"]) == "Buurthuis De Schakel, Amsterdamsestraatweg 1"
    assert event.decoded("dtstart") == local_to_utc(aw.first, time(10, 0))
    assert event.decoded("dtend") == local_to_utc(aw.first, time(12, 0))
    assert event.decoded("dtstart").utcoffset() == timedelta(0)  # aware
    assert str(event["status"]) == "CONFIRMED"
    assert "Koffie, thee en een praatje." in str(event["description"])
    assert str(event["url"]).endswith(f"/activities/{aw.coffee.id}/{aw.first:%Y-%m-%d}")


def test_a_moved_date_keeps_its_uid_with_the_new_time_and_a_higher_sequence(aw, client):
    client.login("anna@example.org")
    before = the_event(client.get(ics(aw)))
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, aw.first + timedelta(days=1), time(14, 0),
                       "Een dag later, want het buurthuis is dicht.")
    db.session.commit()
    after = the_event(client.get(ics(aw)))
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("dtstart") == local_to_utc(aw.first + timedelta(days=1), time(14, 0))
    assert int(after["sequence"]) > int(before["sequence"])
    assert "Een dag later" in str(after["description"])


def test_a_cancelled_date_and_a_cancelled_activity_say_so(aw, client):
    second = aw.first + timedelta(days=7)
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first)
    db.session.commit()
    client.login("anna@example.org")
    assert str(the_event(client.get(ics(aw)))["status"]) == "CANCELLED"
    assert str(the_event(client.get(ics(aw, second)))["status"]) == "CONFIRMED"
    services.cancel(db.session, aw.otto, aw.coffee)
    db.session.commit()
    assert str(the_event(client.get(ics(aw, second)))["status"]) == "CANCELLED"


def test_a_place_in_the_organisers_own_words(aw, client):
    walk = services.put_on(db.session, aw.anna, services.ActivityInput(
        title="Wandelen", kind=ActivityKind.WALK, starts_on=aw.first, start_time=time(14, 0),
        place_note="Bij de kerk aan de Kerkweg"))
    db.session.commit()
    client.login("bert@example.org")
    assert str(the_event(client.get(ics(aw, activity=walk)))["location"]) == "Bij de kerk aan de Kerkweg"


@pytest.mark.parametrize("who,status", [("otto", 200), ("anna", 200), ("joost", 200), ("coordinator", 200),
                                        ("karin", 404), ("anonymous", 302)])
def test_anyone_who_may_see_the_activity_gets_the_file(aw, client, who, status):
    if who != "anonymous":
        client.login(f"{who}@example.org")
    response = client.get(ics(aw))
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_not_a_date_of_the_activity_or_a_hidden_one_is_a_404(aw, client):
    client.login("anna@example.org")
    assert client.get(ics(aw, aw.first + timedelta(days=1))).status_code == 404
    assert client.get(f"/activities/{aw.coffee.id}/2025-02-30.ics").status_code == 404
    assert client.get("/activities/999999/2030-01-03.ics").status_code == 404
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    assert client.get(ics(aw)).status_code == 404
    client.logout()
    client.login("coordinator@example.org")  # a moderator still sees it
    assert client.get(ics(aw)).status_code == 200


def test_someone_blocked_by_the_organiser_does_not_get_it(aw, client):
    db.session.add(Block(blocker_id=aw.otto.id, blocked_id=aw.anna.id))
    db.session.commit()
    client.login("anna@example.org")
    assert client.get(ics(aw)).status_code == 404


# --- the calendar feed --------------------------------------------------------------------------

def test_the_feed_holds_the_dates_you_come_to_not_the_ones_you_wait_for(aw, client):
    second, third = aw.first + timedelta(days=7), aw.first + timedelta(days=14)
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    for person in (aw.bert, aw.joost, aw.anna):  # the second date is full: Anna waits
        signups.join(db.session, person, aw.coffee, second)
    signups.join(db.session, aw.anna, aw.coffee, third)
    services.cancel_date(db.session, aw.otto, aw.coffee, third)
    db.session.commit()
    events = feed(client, aw.anna)
    assert [(str(e["uid"]), str(e["summary"])) for e in events] == [
        (f"activity-{aw.coffee.id}-{aw.first:%Y%m%d}@buurthulp", "Koffieochtend")]
    assert events[0].decoded("dtstart") == local_to_utc(aw.first, time(10, 0))
    with force_locale("nl"):
        said = gettext("%(said)s Where: %(place)s.", said=gettext("You said you are coming."),
                       place="Buurthuis De Schakel")
    assert str(events[0]["description"]) == said
    assert "Amsterdamsestraatweg" not in events[0].to_ical().decode()  # no addresses in a feed


def test_the_organiser_has_every_coming_date_but_the_cancelled_one(aw, client):
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first + timedelta(days=7))
    db.session.commit()
    start, end = cal.window(local_today())
    expected = [aw.first + timedelta(days=7 * i) for i in range(10) if aw.first + timedelta(days=7 * i) < end]
    expected.remove(aw.first + timedelta(days=7))
    uids = [str(e["uid"]) for e in feed(client, aw.otto)]
    assert uids == [f"activity-{aw.coffee.id}-{day:%Y%m%d}@buurthulp" for day in expected]


def test_a_moved_date_is_in_the_feed_on_its_new_day_with_the_same_uid(aw, client):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, aw.first + timedelta(days=2), time(19, 0))
    db.session.commit()
    [event] = feed(client, aw.anna)
    assert str(event["uid"]) == f"activity-{aw.coffee.id}-{aw.first:%Y%m%d}@buurthulp"
    assert event.decoded("dtstart") == local_to_utc(aw.first + timedelta(days=2), time(19, 0))


def test_no_home_address_from_the_organisers_words_goes_into_the_feed(aw, client):
    at_home = services.put_on(db.session, aw.otto, services.ActivityInput(
        title="Spelletjesavond", kind=ActivityKind.GAMES, starts_on=aw.first, start_time=time(19, 0),
        repeat=Repeat.ONCE, place_note="Bij Otto thuis, Kerkstraat 4"))
    signups.join(db.session, aw.anna, at_home, aw.first)
    db.session.commit()
    [event] = feed(client, aw.anna)
    assert str(event["summary"]) == "Spelletjesavond"
    assert "Kerkstraat" not in event.to_ical().decode()


def test_a_cancelled_or_hidden_activity_leaves_the_feed(aw, client):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    assert feed(client, aw.anna) == []
    assert len(feed(client, aw.otto)) > 0  # its organiser still has it
    services.hide(db.session, aw.coordinator, aw.coffee, False)
    services.cancel(db.session, aw.otto, aw.coffee)
    db.session.commit()
    assert feed(client, aw.anna) == [] and feed(client, aw.otto) == []


def test_the_calendar_page_says_activities_are_in_it(aw, client):
    client.login("anna@example.org")
    page = client.get("/circles/calendar").get_data(as_text=True)
    with force_locale("nl"):
        assert gettext("Activities you said you are coming to, and the activities you organise.") in page
