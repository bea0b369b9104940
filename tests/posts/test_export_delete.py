"""A neighbour's posts, matches, messages and thanks in their data export, and what deleting the account leaves."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts.export import REMOVED
from buurthulp.posts.models import (
    Match,
    MatchStatus,
    Message,
    Notification,
    Post,
    PostKind,
    PostStatus,
    ThankYou,
)
from tests.factories import PASSWORD


@pytest.fixture
def config_overrides():
    return {"LOGIN_RATE_LIMIT": "1000 per minute", "PUBLIC_URL": "https://buurthulp.example"}


@pytest.fixture
def login(make_client):
    def login(person):
        client = make_client()
        client.login(person.email)
        return client
    return login


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def history(world, make_post):
    """Ria asked, Ahmed helped (90 minutes) and was thanked; Ria also offers soup, and Ahmed blocked nobody."""
    shelf = make_post(world.ria, title="Plank ophangen", description="In de gang", private_details="Kerkweg 12")
    soup = make_post(world.ria, kind=PostKind.OFFER, title="Soep koken", description="Erwtensoep")
    match = match_flow.respond(db.session, world.ahmed, shelf, "Ik heb een boormachine")
    match_flow.accept(db.session, world.ria, match)
    match_flow.post_message(db.session, world.ria, match, "Kom maar dinsdag")
    match_flow.mark_done(db.session, world.ahmed, match, 90)
    match_flow.confirm_done(db.session, world.ria, match)
    match_flow.thank(db.session, world.ria, match, "Dank je wel, Ahmed!")
    moderation.block(db.session, world.ria, world.annie)
    db.session.commit()
    return shelf, soup, match


def export_of(client) -> dict:
    response = client.get("/profile/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.get_data(as_text=True))


# --- export ---------------------------------------------------------------------------------------

def test_the_export_holds_posts_matches_messages_and_thanks(world, login, history):
    shelf, soup, match = history
    data = export_of(login(world.ria))

    posts = {p["title"]: p for p in data["posts"]}
    assert set(posts) == {"Plank ophangen", "Soep koken"}
    assert posts["Plank ophangen"]["private_details"] == "Kerkweg 12"
    assert posts["Plank ophangen"]["status"] == "done" and posts["Soep koken"]["kind"] == "offer"
    assert posts["Soep koken"]["description"] == "Erwtensoep"

    assert len(data["matches"]) == 1
    m = data["matches"][0]
    assert (m["id"], m["ask_post"], m["role"], m["status"], m["minutes"]) == (
        match.id, shelf.id, "asked", "thanked", 90)
    assert m["done_at"] is not None

    assert [msg["body"] for msg in data["messages_written"]] == ["Kom maar dinsdag"]  # not Ahmed's note
    assert data["thank_you_notes"] == [{"match": match.id, "written_by_me": True, "body": "Dank je wel, Ahmed!",
                                        "shown_on_profile": False}]
    assert data["blocked_neighbours"] == [world.annie.id]


def test_the_helper_finds_the_thanks_and_their_own_messages(world, login, history):
    shelf, soup, match = history
    data = export_of(login(world.ahmed))
    assert data["posts"] == []
    assert [(m["id"], m["role"], m["minutes"]) for m in data["matches"]] == [(match.id, "helped", 90)]
    assert [msg["body"] for msg in data["messages_written"]] == ["Ik heb een boormachine"]
    assert [(n["written_by_me"], n["body"]) for n in data["thank_you_notes"]] == [(False, "Dank je wel, Ahmed!")]


def test_the_export_holds_nothing_of_others(world, login, history):
    data = export_of(login(world.joost))
    assert (data["posts"], data["matches"], data["messages_written"], data["thank_you_notes"]) == ([], [], [], [])
    assert "Kerkweg" not in json.dumps(data)


# --- delete ---------------------------------------------------------------------------------------

def delete_account(client):
    response = client.post("/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()


def test_deleting_removes_texts_and_notifications_and_keeps_the_hours(world, login, history):
    shelf, soup, match = history
    ria_id = world.ria.id
    ahmed = login(world.ahmed)
    assert "Soep koken" in ahmed.get("/posts").get_data(as_text=True)
    assert count(Notification, Notification.neighbour_id == ria_id) > 0
    assert count(Notification, Notification.actor_id == ria_id) > 0
    matches_before = count(Match)

    delete_account(login(world.ria))

    for p in db.session.scalars(sa.select(Post).where(Post.author_id == ria_id)):
        assert p.title == REMOVED
        assert p.description == "" and p.private_details == "" and p.place_note == ""
        assert p.latitude is None and p.longitude is None
        assert p.hidden_at is not None
    assert soup.status == PostStatus.CLOSED
    assert db.session.scalars(sa.select(Message.body).where(Message.author_id == ria_id)).all() == [REMOVED]
    assert "Kom maar dinsdag" not in db.session.scalars(sa.select(Message.body)).all()
    assert "Ik heb een boormachine" in db.session.scalars(sa.select(Message.body)).all()  # Ahmed's own words stay
    assert count(Notification, sa.or_(Notification.neighbour_id == ria_id, Notification.actor_id == ria_id)) == 0
    assert count(ThankYou, ThankYou.author_id == ria_id) == 0

    assert count(Match) == matches_before
    assert (match.status, match.minutes, match.asker_id, match.helper_id) == (
        MatchStatus.THANKED, 90, ria_id, world.ahmed.id)

    feed = ahmed.get("/posts").get_data(as_text=True)
    assert "Soep koken" not in feed and "Erwtensoep" not in feed
    page = ahmed.get(f"/matches/{match.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kom maar dinsdag" not in text and "Kerkweg" not in text and "Ik heb een boormachine" in text


def test_a_deleted_neighbours_posts_are_gone_for_neighbours_and_the_profile_too(world, login, make_post):
    post = make_post(world.ria, title="Plank ophangen")
    joost = login(world.joost)
    assert joost.get(f"/posts/{post.id}").status_code == 200
    delete_account(login(world.ria))
    assert joost.get(f"/posts/{post.id}").status_code == 404
    assert "Plank ophangen" not in joost.get("/posts").get_data(as_text=True)
    assert joost.get(f"/neighbours/{post.author_id}").status_code == 404


def test_deleting_removes_the_reason_written_when_cancelling(world, login, make_post):
    post = make_post(world.ahmed, title="Boodschappen doen")
    match = match_flow.respond(db.session, world.ria, post)
    match_flow.accept(db.session, world.ahmed, match)
    match_flow.cancel(db.session, world.ria, match, "Ik ben opgenomen in het ziekenhuis")
    db.session.commit()
    delete_account(login(world.ria))
    assert "ziekenhuis" not in (match.cancel_reason or "")


def test_unanswered_responses_to_a_deleted_neighbours_post_do_not_keep_waiting(world, login, make_post):
    post = make_post(world.ria, title="Plank ophangen")
    match = match_flow.respond(db.session, world.ahmed, post, "Ik kan zaterdag")
    db.session.commit()
    delete_account(login(world.ria))
    assert match.status != MatchStatus.PROPOSED
