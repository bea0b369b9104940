"""The moderators' reports page lists reported activities: what was reported, a link, and "hide"."""

from __future__ import annotations

import html

from flask_babel import force_locale, gettext

from buurthulp.activities import moderation
from buurthulp.activities.models import Activity
from buurthulp.extensions import db
from buurthulp.posts.models import Report


def report(aw) -> Report:
    item = moderation.report_activity(db.session, aw.anna, aw.coffee, "Dit is reclame voor een bedrijf")
    db.session.commit()
    return item


def nl(text: str) -> str:
    with force_locale("nl"):
        return gettext(text)


def test_a_reported_activity_is_on_the_page_with_its_text_and_a_link(aw, client):
    report(aw)
    client.login("coordinator@example.org")
    page = html.unescape(client.get("/reports").get_data(as_text=True))
    assert "Dit is reclame voor een bedrijf" in page
    assert f'href="/activities/{aw.coffee.id}"' in page and "Koffieochtend" in page
    assert "Koffie, thee en een praatje." in page  # what was reported
    assert f'action="/activities/{aw.coffee.id}/hide"' in page and nl("Hide the activity") in page
    assert nl("This is what it said when it was reported. It has been changed or removed since.") not in page


def test_a_changed_activity_shows_what_it_said_when_reported(aw, client):
    report(aw)
    db.session.get(Activity, aw.coffee.id).description = "Iets heel anders"
    db.session.commit()
    client.login("coordinator@example.org")
    page = html.unescape(client.get("/reports").get_data(as_text=True))
    assert nl("This is what it said when it was reported. It has been changed or removed since.") in page
    assert "Koffie, thee en een praatje." in page


def test_hiding_it_from_the_page_handles_the_report_and_comes_back_to_the_page(aw, client):
    item = report(aw)
    client.login("coordinator@example.org")
    response = client.post(f"/activities/{aw.coffee.id}/hide", {"action": "hide", "next": "/reports"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    db.session.expire_all()
    assert db.session.get(Activity, aw.coffee.id).hidden_at is not None
    handled = db.session.get(Report, item.id)
    assert handled.resolved_at is not None and handled.snapshot == ""
    assert "Koffieochtend" not in client.get("/reports").get_data(as_text=True)


def test_handled_without_hiding(aw, client):
    item = report(aw)
    client.login("coordinator@example.org")
    assert client.post(f"/reports/{item.id}/resolve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, aw.coffee.id).hidden_at is None
    assert db.session.get(Report, item.id).outcome == "kept"


def test_a_moderator_of_another_neighbourhood_does_not_see_it(aw, client):
    report(aw)
    client.login("karin@example.org")
    assert client.get("/reports").status_code == 403
