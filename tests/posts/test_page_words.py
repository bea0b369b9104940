"""Words that every page says many times (when, how far, what kind) are shared between pages, per language; the
menu's unread count follows what the page itself just read."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.categories import DayPart, Weekday, mask_of
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services
from buurthulp.posts.models import Timing
from tests.posts.conftest import post_input

BADGE = re.compile(r'<span class="badge">(\d+)')


@pytest.fixture
def config_overrides():
    return {"LOGIN_RATE_LIMIT": "1000 per minute"}


def said(msgid: str, locale: str) -> str:
    with force_locale(locale):
        return str(escape(gettext(msgid)))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response.get_data(as_text=True)


def test_the_feed_says_when_and_what_in_the_language_of_each_page(world, make_client):
    services.create_post(db.session, world.ria, post_input(
        title="Elke week", timing=Timing.WEEKLY,
        weekly_slots=mask_of([(Weekday.TUESDAY, DayPart.MORNING), (Weekday.FRIDAY, DayPart.EVENING)])))
    db.session.commit()
    ahmed = make_client()
    ahmed.login(world.ahmed.email)
    assert said("Tuesday morning", "nl") != "Tuesday morning"  # the catalogue translates it, so the test tells
    for locale in ("nl", "en", "nl"):
        ahmed.post("/language", {"locale": locale})
        html = page(ahmed, "/posts")
        assert said("Tuesday morning", locale) in html
        assert said("Friday evening", locale) in html
        assert said("Looking for help", locale) in html
        other = "en" if locale == "nl" else "nl"
        assert said("Tuesday morning", other) not in html


def test_opening_a_conversation_reads_its_notifications_for_the_menu_and_for_good(world, make_client):
    ask = services.create_post(db.session, world.ria, post_input(title="Plank ophangen"))
    db.session.commit()
    match = match_flow.respond(db.session, world.ahmed, ask, "Ik kom graag")
    db.session.commit()
    ria = make_client()
    ria.login(world.ria.email)
    assert BADGE.findall(page(ria, "/posts")) == ["1"]
    conversation = page(ria, f"/matches/{match.id}")
    assert "Ik kom graag" in conversation
    assert BADGE.findall(conversation) == []  # the menu already counts it as read
    assert BADGE.findall(page(ria, "/posts")) == []  # and it stays read
