"""A report keeps the reported text while it is open, also when its author changes it or deletes their account."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts import services as posts
from buurthulp.posts.models import Report
from tests.factories import add_member, make_initiative, make_neighbour
from tests.posts.conftest import post_input
from tests.posts.test_export_delete import delete_account

CHANGED = "This is what it said when it was reported. It has been changed or removed since."


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


def t(msgid: str) -> str:
    with force_locale("nl"):
        return str(escape(gettext(msgid)))


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def reported(world, make_post):
    """Joost reported Ria's ask; Ahmed reported a message Ria wrote to him."""
    ask = make_post(world.ria, title="Goedkope sigaretten", description="Bel me voor de prijs")
    offer = make_post(world.ahmed, title="Boodschappen doen", description="Op maandag")
    match = match_flow.respond(db.session, world.ria, offer, "")
    message = match_flow.post_message(db.session, world.ria, match, "Je bent een sukkel")
    on_post = moderation.report(db.session, world.joost, "Dit is handel", post=ask)
    on_message = moderation.report(db.session, world.ahmed, "Scheldwoord", message=message)
    db.session.commit()
    return ask, on_post, on_message


def test_a_report_keeps_the_text_as_it_was(reported):
    ask, on_post, on_message = reported
    assert on_post.snapshot == "Goedkope sigaretten\n\nBel me voor de prijs"
    assert on_message.snapshot == "Je bent een sukkel"


def test_unchanged_texts_are_shown_once(world, login, reported):
    page = text(login(world.broker).get("/reports"))
    assert page.count("Je bent een sukkel") == 1 and page.count("Goedkope sigaretten") == 1
    assert t(CHANGED) not in page


def test_a_changed_post_shows_what_was_reported(world, login, reported):
    ask, on_post, _ = reported
    posts.update_post(db.session, world.ria, ask, post_input(title="Plank ophangen", description="In de gang"))
    db.session.commit()
    page = text(login(world.broker).get("/reports"))
    assert "Plank ophangen" in page  # the post as it is now
    assert t(CHANGED) in page and "Goedkope sigaretten" in page and "Bel me voor de prijs" in page


def test_after_the_author_deleted_their_account_the_moderators_still_read_it(world, login, reported):
    ask, on_post, on_message = reported
    delete_account(login(world.ria))
    assert ask.title == "—" and on_message.message.body == "—"
    assert (on_post.snapshot, on_message.snapshot) == ("Goedkope sigaretten\n\nBel me voor de prijs",
                                                        "Je bent een sukkel")
    broker = login(world.broker)
    page = text(broker.get("/reports"))
    assert page.count(t(CHANGED)) == 2
    assert "Goedkope sigaretten" in page and "Bel me voor de prijs" in page and "Je bent een sukkel" in page
    # and acts on it: handled, and the copy of the text is gone with it
    for item in (on_post, on_message):
        assert broker.post(f"/reports/{item.id}/resolve").status_code == 302
    db.session.expire_all()
    assert db.session.scalars(sa.select(Report.snapshot)).all() == ["", ""]
    page = text(broker.get("/reports"))
    assert "Goedkope sigaretten" not in page and "Je bent een sukkel" not in page


def test_handling_a_report_clears_its_snapshot(world, reported):
    ask, on_post, on_message = reported
    moderation.hide_post(db.session, world.broker, ask)
    moderation.resolve_report(db.session, world.broker, on_message)
    db.session.commit()
    assert (on_post.outcome, on_post.snapshot) == ("hidden", "")
    assert (on_message.outcome, on_message.snapshot) == ("kept", "")


def test_deleting_clears_snapshots_left_on_handled_reports(world, login, reported):
    ask, on_post, _ = reported
    moderation.resolve_report(db.session, world.broker, on_post)
    on_post.snapshot = "Goedkope sigaretten"  # as a report handled before snapshots were cleared might hold
    db.session.commit()
    delete_account(login(world.ria))
    assert on_post.snapshot == ""


def test_who_reads_the_snapshots(world, login, reported, client):
    ask, on_post, _ = reported
    delete_account(login(world.ria))
    anonymous = client.get("/reports")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert login(world.joost).get("/reports").status_code == 403  # a neighbour, also the one who reported
    bram = make_neighbour(world.everdingen, email="bram@example.org", name="Bram")
    add_member(make_initiative(world.everdingen, name="Samen Everdingen"), bram, Role.BROKER)
    treasurer = make_neighbour(world.zuilen, email="penning@example.org", name="Penning")
    add_member(world.initiative, treasurer, Role.TREASURER)
    admin = make_neighbour(world.everdingen, email="admin@example.org", name="Beheer", is_admin=True)
    db.session.commit()
    assert "Goedkope sigaretten" not in text(login(bram).get("/reports"))  # a broker elsewhere
    assert login(treasurer).get("/reports").status_code == 403
    assert "Goedkope sigaretten" in text(login(admin).get("/reports"))
