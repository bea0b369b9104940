"""Whose turn it is: a person waiting for the other reads their name; a person who must answer reads that it is them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts.models import Match, MatchSource, MatchStatus

YOUR_TURN = "Jij bent aan de beurt: zeg ja of nee"


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


@pytest.fixture
def scene(world, make_post):
    """Ria asks; Ahmed responded; Ria has not answered yet."""
    ask = make_post(world.ria, title="Plank ophangen")
    match = match_flow.respond(db.session, world.ahmed, ask, "Ik heb een boormachine")
    db.session.commit()
    return ask, match


def t(msgid: str, **kw) -> str:
    with force_locale("nl"):
        return str(escape(gettext(msgid, **kw)))


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_response_waits_for_the_asker_and_both_read_whose_turn(world, login, scene):
    ask, match = scene  # Ahmed responded to Ria's ask; Ria answers
    ria, ahmed = login(world.ria), login(world.ahmed)
    for url in (f"/matches/{match.id}", "/my/posts", f"/posts/{ask.id}"):
        text = page(ria, url)
        assert YOUR_TURN in text, url
        assert t("waiting for an answer") not in text
    for url in (f"/matches/{match.id}", "/my/posts", f"/posts/{ask.id}"):
        text = page(ahmed, url)
        assert "Wacht op Ria" in text, url
        assert YOUR_TURN not in text and t("waiting for an answer") not in text


def test_a_suggestion_the_asker_picked_is_the_helpers_turn(world, login, make_post):
    """The case seen in issue 16: the helper read "wacht op antwoord" while the answer was theirs to give."""
    ask = make_post(world.ria)
    match = Match(ask=ask, asker_id=world.ria.id, helper_id=world.joost.id, source=MatchSource.SCHEDULER,
                  status=MatchStatus.SUGGESTED, score=1.0, reasons=[], created_at=utcnow())
    db.session.add(match)
    db.session.commit()
    ria, joost = login(world.ria), login(world.joost)
    assert YOUR_TURN in page(ria, f"/matches/{match.id}")  # the asker decides whether to ask Joost
    match_flow.propose(db.session, world.ria, match)
    db.session.commit()
    for url in (f"/matches/{match.id}", "/my/posts"):
        text = page(joost, url)
        assert YOUR_TURN in text and t("waiting for an answer") not in text, url
        assert "Wacht op Joost" in page(ria, url), url


def test_a_brokers_proposal_is_the_turn_of_both_until_each_answered(world, login, make_post):
    ask = make_post(world.ria)
    match = Match(ask=ask, asker_id=world.ria.id, helper_id=world.ahmed.id, source=MatchSource.BROKER,
                  status=MatchStatus.PROPOSED, score=0.0, reasons=[], created_at=utcnow())
    db.session.add(match)
    db.session.commit()
    ria, ahmed = login(world.ria), login(world.ahmed)
    assert YOUR_TURN in page(ria, f"/matches/{match.id}") and YOUR_TURN in page(ahmed, f"/matches/{match.id}")
    match_flow.accept(db.session, world.ahmed, match)
    db.session.commit()
    assert YOUR_TURN in page(ria, f"/matches/{match.id}")
    assert "Wacht op Ria" in page(ahmed, f"/matches/{match.id}")


def test_done_waits_for_the_other_to_confirm(world, login, scene):
    ask, match = scene
    match_flow.accept(db.session, world.ria, match)
    match_flow.mark_done(db.session, world.ahmed, match, 60)
    db.session.commit()
    assert t("Your turn: say whether it is done") in page(login(world.ria), "/my/posts")
    assert t("Waiting for %(name)s to confirm it is done", name="Ria") in page(login(world.ahmed), "/my/posts")


def test_people_outside_the_match_read_the_plain_status(world, login, scene):
    ask, match = scene
    text = page(login(world.broker), f"/matches/{match.id}")
    assert YOUR_TURN not in text and "Wacht op" not in text
    assert t("waiting for an answer") in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 1
