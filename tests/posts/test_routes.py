"""Asking, offering and agreeing through the pages, and who may open what."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp import access
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts.models import (
    Match,
    MatchStatus,
    Message,
    Post,
    PostKind,
    PostStatus,
    Report,
    ThankYou,
)
from buurthulp.timeutil import local_to_utc, local_today
from tests.factories import add_member, make_initiative, make_neighbour


@pytest.fixture
def config_overrides():
    # Many people log in within one test; the login rate limit is tested in tests/accounts.
    return {"LOGIN_RATE_LIMIT": "1000 per minute", "PUBLIC_URL": "https://buurthulp.example"}


def t(msgid: str, **kw) -> str:
    """A text as the Dutch pages show it (English while the catalogue has no translation), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **kw)))


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def text(response) -> str:
    return response.get_data(as_text=True)


def post_form(**kw) -> dict:
    today = local_today()
    data = {"kind": "ask", "category": "klussen", "title": "Plank ophangen", "description": "In de gang",
            "private_details": "Kerkweg 12", "timing": "flexible", "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=14)).isoformat(), "duration_minutes": "60",
            "place": "home_area", "expiry_days": "30"}
    data.update(kw)
    return data


@pytest.fixture
def login(make_client):
    """A new client logged in as ``person``."""
    def login(person):
        client = make_client()
        client.login(person.email)
        return client
    return login


@pytest.fixture
def henk(world):
    """A neighbour in Zuilen who takes no part in the match."""
    person = make_neighbour(world.zuilen, email="henk@example.org", name="Henk",
                            latitude=world.zuilen.centre_lat, longitude=world.zuilen.centre_lon)
    db.session.commit()
    return person


@pytest.fixture
def bram(world):
    """A broker of another initiative, living and working in far-away Everdingen."""
    person = make_neighbour(world.everdingen, email="bram@example.org", name="Bram")
    add_member(make_initiative(world.everdingen, name="Samen Everdingen"), person, Role.BROKER)
    db.session.commit()
    return person


@pytest.fixture
def admin(world):
    person = make_neighbour(world.everdingen, email="admin@example.org", name="Beheer", is_admin=True)
    db.session.commit()
    return person


@pytest.fixture
def scene(world, make_post):
    """Ria asks (private details: Kerkweg 12); Ahmed responded with a note; Ria has not answered yet."""
    ask = make_post(world.ria, title="Plank ophangen", private_details="Kerkweg 12, bel twee keer")
    match = match_flow.respond(db.session, world.ahmed, ask, "Ik heb een boormachine")
    db.session.commit()
    return ask, match


def agree(world, match, start=True):
    match_flow.accept(db.session, world.ria, match)
    if start:
        match_flow.set_agreed_start(db.session, world.ria, match, local_to_utc(local_today() + timedelta(days=3),
                                                                             time(14, 30)))
    db.session.commit()


# --- the whole flow -----------------------------------------------------------------------------

def test_ask_respond_accept_talk_meet_done_confirm_thank(world, login, outbox):
    ria, ahmed, joost = login(world.ria), login(world.ahmed), login(world.joost)

    response = ria.post("/posts/new", post_form(title="Plank ophangen", private_details="Kerkweg 12, bel aan"))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post))
    assert response.headers["Location"].endswith(f"/posts/{post.id}")
    assert (post.author_id, post.kind, post.status) == (world.ria.id, PostKind.ASK, PostStatus.OPEN)

    page = text(ahmed.get(f"/posts/{post.id}"))
    assert t("I can help") in page
    assert "Kerkweg 12" not in page
    response = ahmed.post(f"/posts/{post.id}/respond", {"note": "Ik heb een boormachine"})
    assert response.status_code == 302
    match = db.session.scalar(sa.select(Match))
    assert response.headers["Location"].endswith(f"/matches/{match.id}")
    assert (match.asker_id, match.helper_id, match.status) == (world.ria.id, world.ahmed.id, MatchStatus.PROPOSED)
    assert "ria@example.org" in [m["To"] for m in outbox()]
    match_url = f"/matches/{match.id}"

    assert "Kerkweg 12" not in text(ahmed.get(match_url))
    assert ahmed.post(match_url + "/accept").status_code == 400  # only the other side decides
    page = text(ria.get(match_url))
    assert "Ik heb een boormachine" in page
    assert t("%(name)s is waiting for your answer", name="Ahmed") in page
    assert ria.post(match_url + "/accept").status_code == 302
    db.session.expire_all()
    assert match.status == MatchStatus.ACCEPTED and post.status == PostStatus.MATCHED

    assert ria.post(match_url + "/messages", {"body": "Kom maar dinsdag"}).status_code == 302
    page = text(ahmed.get(match_url))
    assert "Kom maar dinsdag" in page and "Kerkweg 12, bel aan" in page
    assert "Kerkweg 12, bel aan" in text(ahmed.get(f"/posts/{post.id}"))

    day = local_today() + timedelta(days=3)
    assert ahmed.post(match_url + "/time", {"day": day.isoformat(), "at": "14:30"}).status_code == 302
    db.session.expire_all()
    assert match.agreed_start == local_to_utc(day, time(14, 30))
    ics = ria.get(match_url + "/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = text(ics)
    assert "BEGIN:VEVENT" in body
    assert f"DTSTART:{match.agreed_start:%Y%m%dT%H%M%S}Z" in body
    assert "Kerkweg" not in body  # no address in a calendar file

    assert ahmed.post(match_url + "/done", {"hours": "1,5"}).status_code == 400  # not before the agreed day
    match.agreed_start = local_to_utc(local_today(), time(0, 0))  # the day has come
    db.session.commit()
    assert ahmed.post(match_url + "/done", {"hours": "1,5"}).status_code == 302  # typed the Dutch way
    assert ahmed.post(match_url + "/confirm", {"hours": ""}).status_code == 400  # the other side confirms
    assert ria.post(match_url + "/confirm", {"hours": ""}).status_code == 302
    db.session.expire_all()
    assert match.status == MatchStatus.DONE and match.minutes == 90 and post.status == PostStatus.DONE

    assert ahmed.post(match_url + "/thanks", {"thanks_note": "Graag gedaan"}).status_code == 403  # the asker thanks
    assert ria.post(match_url + "/thanks", {"thanks_note": "Dank je wel, Ahmed!"}).status_code == 302
    note = db.session.scalar(sa.select(ThankYou))
    assert note.body == "Dank je wel, Ahmed!" and note.public is False
    assert "Dank je wel, Ahmed!" in text(ahmed.get(f"/neighbours/{world.ahmed.id}"))
    assert "Dank je wel, Ahmed!" not in text(joost.get(f"/neighbours/{world.ahmed.id}"))

    assert ria.post(f"/thanks/{note.id}/visibility", {"public": "1"}).status_code == 403  # the helper decides
    assert ahmed.post(f"/thanks/{note.id}/visibility", {"public": "1"}).status_code == 302
    assert "Dank je wel, Ahmed!" in text(joost.get(f"/neighbours/{world.ahmed.id}"))
    db.session.expire_all()
    assert match.status == MatchStatus.THANKED


def test_offer_and_i_would_like_this(world, login, make_post):
    offer = make_post(world.joost, kind=PostKind.OFFER, title="Samen wandelen")
    ria, joost = login(world.ria), login(world.joost)

    page = text(ria.get(f"/posts/{offer.id}"))
    assert t("I would like this") in page
    response = ria.post(f"/posts/{offer.id}/respond", {"note": "Graag op zondag"})
    assert response.status_code == 302
    match = db.session.scalar(sa.select(Match))
    assert (match.offer_id, match.asker_id, match.helper_id) == (offer.id, world.ria.id, world.joost.id)

    assert ria.post(f"/matches/{match.id}/accept").status_code == 400
    assert t("%(name)s is waiting for your answer", name="Ria") in text(joost.get(f"/matches/{match.id}"))
    assert "Ria" in text(joost.get(f"/posts/{offer.id}"))  # listed among the responses
    assert joost.post(f"/matches/{match.id}/accept").status_code == 302
    db.session.expire_all()
    assert match.status == MatchStatus.ACCEPTED
    assert offer.status == PostStatus.OPEN


def test_decline_and_cancel_through_the_pages(world, login, scene):
    ask, match = scene
    ria, ahmed = login(world.ria), login(world.ahmed)
    assert ahmed.post(f"/matches/{match.id}/decline").status_code == 400
    agree(world, match, start=False)
    response = ahmed.post(f"/matches/{match.id}/cancel", {"reason": ""})
    assert response.status_code == 400
    assert t("Please say briefly why, so the other person knows.") in text(response)
    db.session.expire_all()
    assert match.status == MatchStatus.ACCEPTED
    assert ahmed.post(f"/matches/{match.id}/cancel", {"reason": "Ik ben ziek geworden"}).status_code == 302
    db.session.expire_all()
    assert match.status == MatchStatus.CANCELLED and ask.status == PostStatus.OPEN
    assert "Ik ben ziek geworden" in text(ria.get(f"/matches/{match.id}"))


# --- who may open what --------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, world, scene):
    ask, match = scene
    agree(world, match)
    for url in ["/posts", "/posts/new", f"/posts/{ask.id}", f"/posts/{ask.id}/edit", f"/matches/{match.id}",
                f"/matches/{match.id}/calendar.ics", "/my/posts", "/notifications", "/reports",
                f"/neighbours/{world.ria.id}"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url, data in [(f"/posts/{ask.id}/respond", {}), (f"/matches/{match.id}/cancel", {"reason": "zomaar"}),
                      (f"/posts/{ask.id}/hide", {}), (f"/posts/{ask.id}/close", {}),
                      ("/posts/new", post_form(title="Anoniem"))]:
        response = client.post(url, data)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    db.session.expire_all()
    assert match.status == MatchStatus.ACCEPTED and ask.hidden_at is None and count(Post) == 1


def test_the_author(world, login, scene):
    ask, match = scene
    ria = login(world.ria)
    page = text(ria.get(f"/posts/{ask.id}"))
    assert "Kerkweg 12, bel twee keer" in page
    assert f"/matches/{match.id}" in page  # the responses are listed
    assert ria.get(f"/posts/{ask.id}/edit").status_code == 200
    assert ria.get(f"/matches/{match.id}").status_code == 200
    assert ria.post(f"/posts/{ask.id}/respond").status_code == 400  # own post
    assert ria.get("/reports").status_code == 403
    assert ria.post(f"/posts/{ask.id}/hide").status_code == 403
    agree(world, match)
    assert ria.get(f"/matches/{match.id}/calendar.ics").status_code == 200
    assert ria.post(f"/posts/{ask.id}/close").status_code == 302
    db.session.expire_all()
    assert ask.status == PostStatus.CLOSED and ask.hidden_at is None
    assert match.status == MatchStatus.ACCEPTED  # closing does not undo an agreement


def test_the_other_participant(world, login, scene):
    ask, match = scene
    ahmed = login(world.ahmed)
    assert "Kerkweg 12" not in text(ahmed.get(f"/posts/{ask.id}"))
    assert "Ik heb een boormachine" in text(ahmed.get(f"/matches/{match.id}"))
    assert ahmed.get(f"/matches/{match.id}/calendar.ics").status_code == 404  # no appointment yet
    agree(world, match)
    assert "Kerkweg 12, bel twee keer" in text(ahmed.get(f"/posts/{ask.id}"))
    assert ahmed.get(f"/matches/{match.id}/calendar.ics").status_code == 200
    assert ahmed.get(f"/posts/{ask.id}/edit").status_code == 403
    assert ahmed.post(f"/posts/{ask.id}/edit", post_form(title="Gekaapt")).status_code == 403
    assert ahmed.post(f"/posts/{ask.id}/close").status_code == 403
    assert ahmed.post(f"/posts/{ask.id}/hide").status_code == 403
    assert ahmed.get("/reports").status_code == 403
    db.session.expire_all()
    assert ask.title == "Plank ophangen" and ask.status == PostStatus.MATCHED and ask.hidden_at is None


def test_a_neighbour_of_the_same_neighbourhood_outside_the_match(world, login, scene, henk):
    ask, match = scene
    agree(world, match)
    other = login(henk)
    page = other.get(f"/posts/{ask.id}")
    assert page.status_code == 404  # matched: no longer open for others
    match_flow.cancel(db.session, world.ria, match, "Toch niet")
    db.session.commit()
    page = other.get(f"/posts/{ask.id}")
    assert page.status_code == 200 and "Kerkweg 12" not in text(page)
    response = other.get(f"/matches/{match.id}")
    assert response.status_code == 404 and "Ik heb een boormachine" not in text(response)
    assert other.get(f"/matches/{match.id}/calendar.ics").status_code == 404
    assert other.post(f"/matches/{match.id}/messages", {"body": "Mag ik meelezen?"}).status_code == 404
    assert other.post(f"/matches/{match.id}/accept").status_code == 404
    msg = db.session.scalar(sa.select(Message).where(Message.match_id == match.id))
    assert other.post(f"/messages/{msg.id}/report", {"reason": "Zomaar"}).status_code == 404
    assert other.post(f"/posts/{ask.id}/hide").status_code == 403
    assert count(Message, Message.match_id == match.id) == 1 and count(Report) == 0


def test_a_neighbour_far_away_cannot_see_or_respond(world, login, scene):
    ask, match = scene
    annie = login(world.annie)
    assert annie.get(f"/posts/{ask.id}").status_code == 404
    assert annie.post(f"/posts/{ask.id}/respond", {"note": "Ik kom wel"}).status_code == 404
    assert annie.get(f"/matches/{match.id}").status_code == 404
    assert annie.post(f"/posts/{ask.id}/report", {"reason": "Zomaar"}).status_code == 404
    assert "Plank ophangen" not in text(annie.get("/posts"))
    assert count(Match) == 1 and count(Report) == 0


def test_the_broker_of_the_neighbourhood(world, login, scene):
    ask, match = scene
    broker = login(world.broker)
    page = text(broker.get(f"/posts/{ask.id}"))
    assert "Kerkweg 12, bel twee keer" in page
    assert t("Hide this post (broker)") in page
    page = broker.get(f"/matches/{match.id}")
    assert page.status_code == 200 and "Ik heb een boormachine" in text(page)
    assert broker.post(f"/matches/{match.id}/accept").status_code == 403  # reads, does not decide
    assert broker.post(f"/matches/{match.id}/messages", {"body": "Hallo"}).status_code == 403
    assert broker.get(f"/matches/{match.id}/calendar.ics").status_code == 403

    moderation.report(db.session, world.ahmed, "Dit is reclame", post=ask)
    db.session.commit()
    reports = broker.get("/reports")
    assert reports.status_code == 200 and "Dit is reclame" in text(reports)
    assert broker.post(f"/posts/{ask.id}/hide", {"next": "/reports"}).status_code == 302
    db.session.expire_all()
    assert ask.hidden_at is not None and ask.hidden_by_id == world.broker.id and ask.status == PostStatus.CLOSED
    assert "Dit is reclame" not in text(broker.get("/reports"))  # resolved by hiding
    assert match.status == MatchStatus.CANCELLED
    ahmed = login(world.ahmed)
    assert "Plank ophangen" not in text(ahmed.get("/posts"))


def test_a_broker_of_another_initiative(world, login, scene, bram):
    ask, match = scene
    report = moderation.report(db.session, world.ahmed, "Dit is reclame", post=ask)
    db.session.commit()
    other = login(bram)
    assert other.get(f"/posts/{ask.id}").status_code == 404
    assert other.get(f"/matches/{match.id}").status_code == 404
    assert other.post(f"/posts/{ask.id}/hide").status_code == 404
    reports = other.get("/reports")
    assert reports.status_code == 200 and "Dit is reclame" not in text(reports)
    assert other.post(f"/reports/{report.id}/resolve").status_code == 403
    db.session.expire_all()
    assert ask.hidden_at is None and report.resolved_at is None


def test_a_broker_of_another_initiative_living_next_door(world, login, scene):
    """Living in Zuilen, she sees open posts like any neighbour, but she is no broker here."""
    ask, match = scene
    ingrid = make_neighbour(world.zuilen, email="ingrid@example.org", name="Ingrid")
    add_member(make_initiative(world.everdingen, name="Samen Everdingen"), ingrid, Role.BROKER)
    db.session.commit()
    other = login(ingrid)
    page = other.get(f"/posts/{ask.id}")
    assert page.status_code == 200
    assert "Kerkweg 12" not in text(page) and t("Hide this post (broker)") not in text(page)
    assert other.get(f"/matches/{match.id}").status_code == 404
    assert other.post(f"/posts/{ask.id}/hide").status_code == 403
    db.session.expire_all()
    assert ask.hidden_at is None


def test_a_site_admin(world, login, scene, admin):
    ask, match = scene
    moderation.report(db.session, world.ahmed, "Dit is reclame", post=ask)
    db.session.commit()
    boss = login(admin)
    assert boss.get(f"/posts/{ask.id}").status_code == 200
    reports = boss.get("/reports")
    assert reports.status_code == 200 and "Dit is reclame" in text(reports)
    assert boss.post(f"/posts/{ask.id}/hide").status_code == 302
    db.session.expire_all()
    assert ask.hidden_by_id == admin.id


def test_a_neighbour_without_a_role_has_no_reports_page(world, login):
    assert login(world.joost).get("/reports").status_code == 403


# --- private and contact details ----------------------------------------------------------------

def test_contact_details_only_after_both_accepted_and_only_as_each_chose(world, login, scene):
    ask, match = scene
    world.ria.share_email, world.ria.phone, world.ria.share_phone = True, "06 11111111", False
    world.ahmed.share_email, world.ahmed.phone, world.ahmed.share_phone = False, "06 22222222", True
    db.session.commit()
    ria, ahmed = login(world.ria), login(world.ahmed)

    before_ahmed, before_ria = text(ahmed.get(f"/matches/{match.id}")), text(ria.get(f"/matches/{match.id}"))
    assert "ria@example.org" not in before_ahmed and "06 11111111" not in before_ahmed
    assert "Kerkweg 12" not in before_ahmed
    assert "06 22222222" not in before_ria and "ahmed@example.org" not in before_ria

    agree(world, match)
    page_ahmed, page_ria = text(ahmed.get(f"/matches/{match.id}")), text(ria.get(f"/matches/{match.id}"))
    assert "ria@example.org" in page_ahmed and "06 11111111" not in page_ahmed
    assert "Kerkweg 12, bel twee keer" in page_ahmed
    assert "06 22222222" in page_ria and "ahmed@example.org" not in page_ria


def test_the_broker_reads_but_sees_no_contact_details(world, login, scene):
    ask, match = scene
    world.ria.share_email = True
    db.session.commit()
    agree(world, match)
    page = text(login(world.broker).get(f"/matches/{match.id}"))
    assert "Ik heb een boormachine" in page and "ria@example.org" not in page


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, field_id, message", [
    ({"title": ""}, "title", "Fill in a short title."),
    ({"title": "   "}, "title", "Fill in a short title."),
    ({"title": "x" * 101}, "title", "Use at most 100 characters."),
    ({"timing": "once", "on_date": (local_today() - timedelta(days=1)).isoformat(), "day_part": "0"}, "on_date",
     "The date has already passed. Choose today or a later day."),
    ({"period_start": (local_today() + timedelta(days=5)).isoformat(),
      "period_end": local_today().isoformat()}, "period_start", "The last day comes before the first day."),
    ({"timing": "weekly"}, "weekly_slots", "Tick at least one day and part of the day."),
    ({"category": "ramen-lappen"}, "category", None),
    ({"kind": "both"}, "kind", None),
    ({"expiry_days": "365"}, "expiry_days", None),
])
def test_bad_post_input_is_refused_with_a_message(world, login, fields, field_id, message):
    ria = login(world.ria)
    response = ria.post("/posts/new", post_form(**fields))
    assert response.status_code == 400
    page = text(response)
    assert f'id="{field_id}-error"' in page
    if message:
        assert t(message) in page
    assert count(Post) == 0


def test_a_title_of_100_characters_is_fine(world, login):
    assert login(world.ria).post("/posts/new", post_form(title="x" * 100)).status_code == 302
    assert db.session.scalar(sa.select(Post.title)) == "x" * 100


def test_bad_input_when_changing_a_post_keeps_the_old_one(world, login, scene):
    ask, _match = scene
    ria = login(world.ria)
    response = ria.post(f"/posts/{ask.id}/edit", post_form(title="x" * 101))
    assert response.status_code == 400 and t("Use at most 100 characters.") in text(response)
    response = ria.post(f"/posts/{ask.id}/edit", post_form(
        timing="once", on_date=(local_today() - timedelta(days=1)).isoformat(), day_part="1"))
    assert response.status_code == 400
    assert t("The date has already passed. Choose today or a later day.") in text(response)
    db.session.expire_all()
    assert ask.title == "Plank ophangen" and ask.on_date is None


def test_an_unconfirmed_neighbour_cannot_post(world, login):
    world.ahmed.email_confirmed_at = None
    db.session.commit()
    response = login(world.ahmed).post("/posts/new", post_form())
    assert response.status_code == 403
    assert t("Please confirm your e-mail address first: click the link in the e-mail we sent you.") in text(response)
    assert count(Post) == 0


def test_tampered_ids(world, login, scene, make_post):
    ask, match = scene
    joost_offer = make_post(world.joost, kind=PostKind.OFFER, title="Samen wandelen")
    their_match = match_flow.respond(db.session, world.ria, joost_offer)
    db.session.commit()
    ahmed = login(world.ahmed)
    for url in ["/posts/abc", "/posts/-1", "/posts/99999", "/posts/1e3", "/matches/abc", "/matches/99999",
                f"/matches/{their_match.id}", f"/matches/{their_match.id}/calendar.ics", "/neighbours/abc",
                "/neighbours/99999", f"/posts/{ask.id}abc"]:
        assert ahmed.get(url).status_code == 404, url
    for url, data in [("/matches/abc/accept", {}), (f"/matches/{their_match.id}/accept", {}),
                      (f"/matches/{their_match.id}/decline", {}),
                      (f"/matches/{their_match.id}/messages", {"body": "Ha"}),
                      (f"/matches/{their_match.id}/cancel", {"reason": "Weg ermee"}),
                      ("/posts/99999/respond", {}), ("/thanks/99999/visibility", {"public": "1"}),
                      ("/reports/99999/resolve", {}), ("/messages/99999/report", {"reason": "Weg ermee"})]:
        assert ahmed.post(url, data).status_code == 404, url
    db.session.expire_all()
    assert their_match.status == MatchStatus.PROPOSED
    assert count(Message, Message.author_id == world.ahmed.id) == 1  # only his own note


def test_posts_without_the_csrf_token_are_refused(world, login, scene):
    ask, match = scene
    ria, ahmed, joost = login(world.ria), login(world.ahmed), login(world.joost)
    for who, url, data in [
        (ria, "/posts/new", post_form(title="Zonder token")),
        (ria, f"/posts/{ask.id}/edit", post_form(title="Zonder token")),
        (ria, f"/posts/{ask.id}/close", {}),
        (joost, f"/posts/{ask.id}/respond", {"note": "Zonder token"}),
        (ria, f"/matches/{match.id}/accept", {}),
        (ria, f"/matches/{match.id}/decline", {}),
        (ahmed, f"/matches/{match.id}/messages", {"body": "Zonder token"}),
        (ahmed, f"/matches/{match.id}/cancel", {"reason": "Zonder token"}),
        (ahmed, f"/posts/{ask.id}/report", {"reason": "Zonder token"}),
        (ria, f"/neighbours/{world.ahmed.id}/block", {}),
    ]:
        response = who.post(url, data, csrf=False)
        assert response.status_code == 400, url
        assert t("This form has expired") in text(response), url
    db.session.expire_all()
    assert count(Post) == 1 and ask.title == "Plank ophangen" and ask.status == PostStatus.OPEN
    assert count(Match) == 1 and match.status == MatchStatus.PROPOSED
    assert count(Message) == 1 and count(Report) == 0
    assert not access.is_blocked(db.session, world.ria.id, world.ahmed.id)


@pytest.mark.parametrize("url_part, data, message", [
    ("messages", {"body": "   "}, "Write a message first."),
    ("messages", {"body": "x" * 2001}, "Use at most 2000 characters."),
    ("done", {"hours": "30"}, "Fill in between 0.25 and 24 hours."),
    ("done", {"hours": "0"}, "Fill in between 0.25 and 24 hours."),
    ("done", {"hours": ""}, "Fill in how long it took."),
    ("time", {"day": (local_today() - timedelta(days=2)).isoformat(), "at": "10:00"},
     "This moment has already passed."),
    ("time", {"day": "", "at": "10:00"}, "Choose the date."),
])
def test_bad_input_on_the_match_page(world, login, scene, url_part, data, message):
    ask, match = scene
    agree(world, match, start=False)
    response = login(world.ahmed).post(f"/matches/{match.id}/{url_part}", data)
    assert response.status_code == 400
    assert t(message) in text(response)
    db.session.expire_all()
    assert count(Message) == 1  # only the note of the response
    assert match.status == MatchStatus.ACCEPTED and match.done_marked_at is None and match.agreed_start is None


def test_a_response_note_that_is_too_long_is_refused(world, login, scene, henk):
    ask, _match = scene
    response = login(henk).post(f"/posts/{ask.id}/respond", {"note": "x" * 2001})
    assert response.status_code == 400
    assert count(Match) == 1


def test_responding_twice_shows_a_message(world, login, scene):
    ask, _match = scene
    response = login(world.ahmed).post(f"/posts/{ask.id}/respond", {"note": "Nog een keer"})
    assert response.status_code == 400
    assert t("You have already responded to this post.") in text(response)
    assert count(Match) == 1


def test_a_feed_filter_that_is_not_a_choice_shows_the_feed(world, login):
    assert login(world.ria).get("/posts?category=ramen-lappen").status_code == 200  # tests/posts/test_feed.py


# --- escaping -----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_html_in_titles_descriptions_and_messages_is_shown_escaped(world, login):
    ria, ahmed, broker = login(world.ria), login(world.ahmed), login(world.broker)
    assert ria.post("/posts/new", post_form(title=SCRIPT, description=f"Hallo {SCRIPT}",
                                            private_details=f"Adres {SCRIPT}")).status_code == 302
    post = db.session.scalar(sa.select(Post))
    assert post.title == SCRIPT  # stored as written, escaped when shown

    for who, url in [(ria, f"/posts/{post.id}"), (ahmed, f"/posts/{post.id}"), (ahmed, "/posts"),
                     (ria, "/my/posts"), (broker, f"/posts/{post.id}")]:
        page = text(who.get(url))
        assert ESCAPED in page, url
        assert SCRIPT not in page, url

    assert ahmed.post(f"/posts/{post.id}/respond", {"note": f"Note {SCRIPT}"}).status_code == 302
    match = db.session.scalar(sa.select(Match))
    assert ahmed.post(f"/matches/{match.id}/messages",
                      {"body": '<img src=x onerror="alert(2)">'}).status_code == 302
    assert ahmed.post(f"/posts/{post.id}/report", {"reason": f"Raar {SCRIPT}"}).status_code == 302
    for who, url in [(ria, f"/matches/{match.id}"), (broker, f"/matches/{match.id}"), (ria, "/notifications"),
                     (broker, "/reports"), (ahmed, "/my/posts")]:
        page = text(who.get(url))
        assert ESCAPED in page, url
        assert SCRIPT not in page and "<img src=x" not in page, url
    assert "&lt;img src=x onerror=" in text(ria.get(f"/matches/{match.id}"))


# --- blocks -------------------------------------------------------------------------------------

def test_blocked_people_never_see_each_others_posts(world, login, make_post):
    ria_post = make_post(world.ria, title="Plank ophangen")
    ahmed_post = make_post(world.ahmed, kind=PostKind.OFFER, title="Koffie drinken")
    ria, ahmed, joost = login(world.ria), login(world.ahmed), login(world.joost)
    assert "Koffie drinken" in text(ria.get("/posts")) and "Plank ophangen" in text(ahmed.get("/posts"))

    assert ria.post(f"/neighbours/{world.ahmed.id}/block").status_code == 302
    assert "Koffie drinken" not in text(ria.get("/posts"))
    assert "Plank ophangen" not in text(ahmed.get("/posts"))
    assert ahmed.get(f"/posts/{ria_post.id}").status_code == 404
    assert ria.get(f"/posts/{ahmed_post.id}").status_code == 404
    assert ahmed.post(f"/posts/{ria_post.id}/respond", {}).status_code == 404
    assert ahmed.get(f"/neighbours/{world.ria.id}").status_code == 404
    page = text(joost.get("/posts"))
    assert "Koffie drinken" in page and "Plank ophangen" in page
    assert count(Match) == 0

    assert ria.post(f"/neighbours/{world.ahmed.id}/unblock").status_code == 302
    assert "Plank ophangen" in text(ahmed.get("/posts"))


def test_nobody_blocks_themselves(world, login):
    assert login(world.ria).post(f"/neighbours/{world.ria.id}/block").status_code == 400
