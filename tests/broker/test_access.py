"""Brokers act only for the people of their own initiative, also where two initiatives serve one neighbourhood.

Every route of the broker blueprint is in ROUTES (a test compares it with ``app.url_map``, so a new broker route
without a line here fails), and each is tried by every role: anonymous, a neighbour, a neighbour of another
neighbourhood, a broker of our initiative, a broker of the other initiative in the same neighbourhood, a treasurer
and a site admin.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour, NeighbourPhoto
from buurthulp.accounts.photos import CONSENT_WAYS
from buurthulp.activities import services as activity_services
from buurthulp.activities.models import ActivityKind
from buurthulp.broker import queue, services
from buurthulp.broker.models import (
    AskClaim,
    BrokerAction,
    BrokerNote,
    ConsentDecision,
    FollowUp,
    FollowUpOutcome,
    ProxyConsent,
    ProxyRegistration,
    Referral,
)
from buurthulp.db import utcnow
from buurthulp.errors import NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Block, Match, Message, Post, ThankYou
from buurthulp.timeutil import local_today
from tests.accounts.photo_files import image_bytes
from tests.broker.queue_helpers import section_ids
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.posts.conftest import post_input
from tests.snapshots import built_once

OURS, THEIRS = "kracht-van-zuilen", "zuilen-samen"
NOTE = "Belt liever 's ochtends"


@dataclass
class Shared:
    """Kracht van Zuilen (ours: Zuilen and Ondiep) and Zuilen Samen (theirs: Zuilen too), and far Everdingen."""

    kracht: object
    samen: object
    broker: object        # broker of Kracht van Zuilen
    other_broker: object  # broker of Zuilen Samen, in the same neighbourhood
    treasurer: object     # treasurer (not broker) of Kracht van Zuilen
    admin: object
    ria: object           # a neighbour in Zuilen
    annie: object         # a neighbour in Everdingen
    joost: object         # a neighbour in Ondiep, who helps
    jansen: object        # our proxy neighbour, in Zuilen
    bakker: object        # their proxy neighbour, in Zuilen
    ask: object           # Jansen's open ask
    match: object         # Joost's answer to it, waiting for Jansen's
    done: object          # help Joost gave Jansen, done a while ago
    agreed: object        # help Ria agreed to give Jansen, not done yet
    their_ask: object     # Bakker's ask
    activity: object      # Ria's coffee morning in Zuilen, in three days: Jansen could join it


@pytest.fixture
def sw(app) -> Shared:
    return built_once("broker access", build_shared_world)


def build_shared_world() -> Shared:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    samen = make_initiative(zuilen, name="Zuilen Samen")
    people = {}
    for name, hood in [("broker", zuilen), ("other_broker", zuilen), ("treasurer", zuilen), ("ria", zuilen),
                       ("annie", everdingen), ("joost", ondiep), ("admin", zuilen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.replace("_", " ").title(),
                                      postcode="4121 AA" if hood is everdingen else "3554 AB",
                                      latitude=hood.centre_lat, longitude=hood.centre_lon,
                                      is_admin=name == "admin")
    add_member(kracht, people["broker"], Role.BROKER)
    add_member(samen, people["other_broker"], Role.BROKER)
    add_member(kracht, people["treasurer"], Role.TREASURER)
    add_member(kracht, people["joost"], Role.BROKER)  # a colleague to hand an ask to
    jansen = services.add_proxy(db.session, people["broker"], kracht, name="Mevrouw Jansen", contact_route="06 1",
                                postcode="3554 AB", likes=["gezelschap"], needs=["boodschappen"])
    bakker = services.add_proxy(db.session, people["other_broker"], samen, name="Meneer Bakker",
                                contact_route="06 2", postcode="3554 CD", likes=["klussen"], needs=[])
    ask = posts.create_post(db.session, jansen, post_input(title="Boodschappen voor Jansen"))
    match = match_flow.respond(db.session, people["joost"], ask, "Ik doe het graag")
    earlier = posts.create_post(db.session, jansen, post_input(title="Lamp voor Jansen"))
    done = match_flow.respond(db.session, people["joost"], earlier)
    match_flow.accept(db.session, jansen, done)
    match_flow.mark_done(db.session, people["joost"], done, 60)
    match_flow.confirm_done(db.session, jansen, done, now=utcnow() - timedelta(days=5))
    garden = posts.create_post(db.session, jansen, post_input(title="Tuin voor Jansen"))
    agreed = match_flow.respond(db.session, people["ria"], garden)
    match_flow.accept(db.session, jansen, agreed)
    their_ask = posts.create_post(db.session, bakker, post_input(title="Klusje voor Bakker"))
    activity = activity_services.put_on(db.session, people["ria"], activity_services.ActivityInput(
        title="Koffieochtend", kind=ActivityKind.COFFEE, starts_on=local_today() + timedelta(days=3),
        start_time=time(10, 0), place_note="In het buurthuis"))
    services.add_note(db.session, people["broker"], kracht, NOTE, neighbour=jansen)
    services.add_note(db.session, people["broker"], kracht, NOTE, match=match)
    queue.claim(db.session, people["broker"], kracht, ask)
    db.session.commit()
    return Shared(kracht, samen, jansen=jansen, bakker=bakker, ask=ask, match=match, done=done, agreed=agreed,
                  their_ask=their_ask, activity=activity, **people)


def _proxy_post_form() -> dict:
    today = local_today()
    return {"kind": "ask", "category": "boodschappen", "title": "Nieuwe vraag", "timing": "flexible",
            "period_start": today.isoformat(), "period_end": (today + timedelta(days=7)).isoformat(),
            "duration_minutes": "60", "place": "their_place", "expiry_days": "30"}


# (endpoint, method) -> (address, form). The address names our people: {ask}, {match}, {done}, {proxy}, {ria}.
ROUTES = {
    ("broker.index", "GET"): ("/broker/", None),
    ("broker.queue", "GET"): ("/broker/{slug}", None),
    ("broker.ask", "GET"): ("/broker/{slug}/asks/{ask}", None),
    ("broker.make_match", "POST"): ("/broker/{slug}/asks/{ask}/match", {"helper_id": "{ria}", "note": "Ria kan"}),
    ("broker.referral", "POST"): ("/broker/{slug}/asks/{ask}/referral", {"organisation": "Bibliotheek"}),
    ("broker.claim", "POST"): ("/broker/{slug}/asks/{ask}/claim", {}),
    ("broker.release", "POST"): ("/broker/{slug}/asks/{ask}/release", {}),
    ("broker.hand_over", "POST"): ("/broker/{slug}/asks/{ask}/hand-over", {"colleague_id": "{joost}"}),
    ("broker.match", "GET"): ("/broker/{slug}/matches/{match}", None),
    ("broker.consent", "POST"): ("/broker/{slug}/matches/{match}/consent/{proxy}",
                                 {"decision": "accepted", "note": "telefonisch"}),
    ("broker.follow_up", "POST"): ("/broker/{slug}/matches/{done}/follow-up", {"outcome": "went_well"}),
    ("broker.match_note", "POST"): ("/broker/{slug}/matches/{match}/notes", {"body": "notitie"}),
    ("broker.neighbours", "GET"): ("/broker/{slug}/neighbours?q=Jansen", None),
    ("broker.neighbour", "GET"): ("/broker/{slug}/neighbours/{proxy}", None),
    ("broker.neighbour_note", "POST"): ("/broker/{slug}/neighbours/{proxy}/notes", {"body": "notitie"}),
    ("broker.new_proxy", "GET"): ("/broker/{slug}/proxies/new", None),
    ("broker.new_proxy", "POST"): ("/broker/{slug}/proxies/new",
                                   {"name": "Meneer Nieuw", "contact_route": "06", "postcode": "3554 AB",
                                    "asked_by": "zijzelf", "consent_way": "by_phone", "consent_on": "2024-05-01",
                                    "agreed": "y", "key": "access-test-key"}),
    ("broker.proxy_post", "GET"): ("/broker/{slug}/neighbours/{proxy}/posts/new", None),
    ("broker.proxy_post", "POST"): ("/broker/{slug}/neighbours/{proxy}/posts/new", "proxy post"),
    ("broker.proxy_export", "GET"): ("/broker/{slug}/neighbours/{proxy}/export", None),
    ("broker.proxy_delete", "POST"): ("/broker/{slug}/neighbours/{proxy}/delete", {"confirm": "yes"}),
    ("broker.print_overview", "GET"): ("/broker/{slug}/neighbours/{proxy}/print", None),
    ("broker.proxy_photo", "POST"): ("/broker/{slug}/neighbours/{proxy}/photo", "photo"),
    ("broker.proxy_photo_remove", "POST"): ("/broker/{slug}/neighbours/{proxy}/photo/remove", {}),
    ("broker.proxy_match", "GET"): ("/broker/{slug}/matches/{match}/for/{proxy}", None),
    ("broker.proxy_done", "POST"): ("/broker/{slug}/matches/{agreed}/for/{proxy}/done", {"p{proxy}-hours": "1,5"}),
    ("broker.proxy_thanks", "POST"): ("/broker/{slug}/matches/{done}/for/{proxy}/thanks",
                                      {"p{proxy}-thanks_note": "Dank je wel"}),
    ("broker.proxy_cancel", "POST"): ("/broker/{slug}/matches/{match}/for/{proxy}/cancel",
                                      {"p{proxy}-reason": "Haar dochter doet het al"}),
    ("broker.proxy_block", "POST"): ("/broker/{slug}/matches/{match}/for/{proxy}/block", {"p{proxy}-asked": "y"}),
    ("broker.proxy_message", "POST"): ("/broker/{slug}/matches/{match}/for/{proxy}/messages",
                                       {"p{proxy}-body": "Ze belt je morgen"}),
    ("broker.activities", "GET"): ("/broker/{slug}/neighbours/{proxy}/activities", None),
    ("broker.activity_join", "POST"): ("/broker/{slug}/neighbours/{proxy}/activities/{activity}/{on}/join", {}),
    ("broker.activity_leave", "POST"): ("/broker/{slug}/neighbours/{proxy}/activities/{activity}/{on}/leave", {}),
    ("broker.activity_lift", "POST"): ("/broker/{slug}/neighbours/{proxy}/activities/{activity}/{on}/lift", {}),
    ("broker.phone_list", "GET"): ("/broker/{slug}/phone-list", None),
    ("broker.small_networks", "GET"): ("/broker/{slug}/small-networks", None),
    ("broker.figures", "GET"): ("/broker/{slug}/figures", None),
    ("broker.figures_csv", "GET"): ("/broker/{slug}/figures.csv", None),
    ("broker.figures_circles_csv", "GET"): ("/broker/{slug}/figures/circles.csv", None),
    ("broker.figures_activities_csv", "GET"): ("/broker/{slug}/figures/activities.csv", None),
}
# Pages of the workspace as a whole; the others are about one of our people, asks or matches.
WORKSPACE = {"broker.index", "broker.queue", "broker.neighbours", "broker.new_proxy", "broker.phone_list", "broker.figures",
             "broker.figures_csv", "broker.small_networks", "broker.figures_circles_csv",
             "broker.figures_activities_csv"}
ROLES = ["anonymous", "ria", "annie", "broker", "other_broker", "treasurer", "admin"]


def test_every_broker_route_is_checked_here(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("broker.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(ROUTES)


def _request(client, sw, key, slug):
    address, form = ROUTES[key]
    ids = {"slug": slug, "ask": sw.ask.id, "match": sw.match.id, "done": sw.done.id, "agreed": sw.agreed.id, "proxy": sw.jansen.id,
           "ria": sw.ria.id, "joost": sw.joost.id, "activity": sw.activity.id,
           "on": sw.activity.starts_on.isoformat()}
    url = address.format(**ids)
    if key[1] == "GET":
        return client.get(url)
    if form == "photo":
        data = {"photo": (io.BytesIO(image_bytes()), "foto.jpg"), "way": next(iter(CONSENT_WAYS)),
                "agreed_on": local_today().isoformat(), "agreed": "y"}
        return client.post(url, data, content_type="multipart/form-data")
    data = _proxy_post_form() if form == "proxy post" else {k.format(**ids): v.format(**ids) for k, v in form.items()}
    return client.post(url, data)


def _snapshot(sw) -> tuple:
    """Everything a broker route could change about our people."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    jansen = db.session.get(Neighbour, sw.jansen.id)
    match = db.session.get(Match, sw.match.id)
    claims = tuple(db.session.execute(sa.select(AskClaim.post_id, AskClaim.broker_id).order_by(AskClaim.id)))
    return (claims, count(BrokerNote), count(ProxyConsent), count(NeighbourPhoto), count(Referral), count(FollowUp), count(Post), count(Match),
            count(Neighbour), jansen.display_name, jansen.deleted_at, match.status, match.asker_accepted_at,
            count(BrokerAction), count(ProxyRegistration), count(Message), count(ThankYou), count(Block),
            db.session.get(Match, sw.agreed.id).status)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_each_role_on_our_workspace(client, sw, key, role):
    if role != "anonymous":
        client.login(f"{role}@example.org")
    before = _snapshot(sw)
    response = _request(client, sw, key, OURS)
    if role == "anonymous":
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    elif role == "broker" or (key[0] == "broker.index" and role == "other_broker"):
        assert response.status_code in (200, 302), response.get_data(as_text=True)[-2000:]
        return
    else:
        assert response.status_code == 403
    assert _snapshot(sw) == before


@pytest.mark.parametrize("key", [k for k in ROUTES if k[0] not in WORKSPACE], ids=lambda k: f"{k[0]}-{k[1]}")
def test_the_other_broker_cannot_reach_our_people_through_their_own_workspace(client, sw, key):
    client.login("other_broker@example.org")
    before = _snapshot(sw)
    assert _request(client, sw, key, THEIRS).status_code == 404
    assert _snapshot(sw) == before


@pytest.mark.parametrize("key", [k for k in ROUTES if k[0] in WORKSPACE and k[1] == "GET"],
                         ids=lambda k: f"{k[0]}-{k[1]}")
def test_the_other_brokers_own_pages_do_not_show_our_people(client, sw, key):
    client.login("other_broker@example.org")
    response = _request(client, sw, key, THEIRS)
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for ours in ("Mevrouw Jansen", "Boodschappen voor Jansen", NOTE):
        assert ours not in text, ours


def test_the_other_brokers_lists_hold_only_their_own_proxies(sw):
    assert [n.id for n in services.search_neighbours(db.session, sw.samen, "")] == sorted(
        [sw.other_broker.id, sw.treasurer.id, sw.ria.id, sw.admin.id, sw.broker.id, sw.bakker.id],
        key=lambda i: db.session.get(Neighbour, i).display_name)
    assert sw.jansen.id not in [n.id for n in services.likers_nearby(db.session, sw.samen, sw.their_ask)]
    later = utcnow() + timedelta(days=30)
    assert section_ids(sw.samen, sw.other_broker, "new", later) + section_ids(
        sw.samen, sw.other_broker, "suggested", later) == [sw.their_ask.id]
    for name in ("phone", "no_answer", "not_done", "follow_up"):
        assert all(sw.jansen.id not in (m.asker_id, m.helper_id)
                   for m in db.session.scalars(sa.select(Match).where(
                       Match.id.in_(section_ids(sw.samen, sw.other_broker, name, later)))))
    assert sw.their_ask.id not in section_ids(sw.kracht, sw.broker, "new", later) + section_ids(
        sw.kracht, sw.broker, "suggested", later)


def test_our_broker_cannot_reach_their_proxy_either(client, sw):
    client.login("broker@example.org")
    for url in (f"/broker/{OURS}/neighbours/{sw.bakker.id}", f"/broker/{OURS}/neighbours/{sw.bakker.id}/print",
                f"/broker/{OURS}/neighbours/{sw.bakker.id}/export", f"/broker/{OURS}/asks/{sw.their_ask.id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/broker/{OURS}/neighbours/{sw.bakker.id}/delete", {"confirm": "yes"}).status_code == 404
    assert client.post(f"/broker/{OURS}/asks/{sw.ask.id}/match", {"helper_id": str(sw.bakker.id)}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Neighbour, sw.bakker.id).deleted_at is None


# The services ask the same rules: a broker of the other initiative is refused, whatever route led there.
SERVICE_CALLS = {
    "answer for": lambda sw, b, i: services.answer_for_proxy(db.session, b, i, sw.match, sw.jansen,
                                                             decision=ConsentDecision.ACCEPTED, note="telefonisch"),
    "post for": lambda sw, b, i: services.post_for_proxy(db.session, b, i, sw.jansen, post_input()),
    "export": lambda sw, b, i: services.export_proxy(db.session, b, i, sw.jansen),
    "delete": lambda sw, b, i: services.delete_proxy(db.session, b, i, sw.jansen),
    "note on a person": lambda sw, b, i: services.add_note(db.session, b, i, "x", neighbour=sw.jansen),
    "note on a match": lambda sw, b, i: services.add_note(db.session, b, i, "x", match=sw.match),
    "follow-up": lambda sw, b, i: services.record_follow_up(db.session, b, i, sw.done, outcome=FollowUpOutcome.WENT_WELL,
                                                           note=""),
    "referral": lambda sw, b, i: services.refer(db.session, b, i, sw.ask, organisation="Bibliotheek", note=""),
    "match by hand": lambda sw, b, i: services.broker_match(db.session, b, i, sw.ask, sw.ria, note=""),
    "propose our proxy as helper": lambda sw, b, i: services.broker_match(db.session, b, i, sw.their_ask,
                                                                          sw.jansen, note=""),
}


@pytest.mark.parametrize("call", list(SERVICE_CALLS))
@pytest.mark.parametrize("initiative", ["theirs", "ours"])
def test_the_services_refuse_the_other_broker(sw, call, initiative):
    with pytest.raises(NotAllowed):
        SERVICE_CALLS[call](sw, sw.other_broker, sw.samen if initiative == "theirs" else sw.kracht)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Neighbour, sw.jansen.id).deleted_at is None


@pytest.mark.parametrize("call", [c for c in SERVICE_CALLS if c != "propose our proxy as helper"])
def test_the_services_let_our_broker_act(sw, call):
    SERVICE_CALLS[call](sw, sw.broker, sw.kracht)
    db.session.commit()


@pytest.mark.parametrize("role, status", [("broker", 200), ("other_broker", 403), ("ria", 403), ("treasurer", 403),
                                          ("admin", 200)])
def test_the_digest_preview_of_our_proxy_is_for_our_brokers(client, sw, role, status):
    """The preview shows what the print-out shows: only the brokers who serve the person (and site admins)."""
    client.login(f"{role}@example.org")
    assert client.get(f"/digest/preview/{sw.jansen.id}").status_code == status
    assert client.get(f"/digest/preview/{sw.ria.id}").status_code == (403 if role in ("ria", "treasurer") else 200)


def test_our_proxys_conversation_and_private_details_are_for_our_brokers(client, sw):
    """Outside the workspace too: the match page and an ask's private details (post_input: "Kerkweg 12")."""
    ria_ask = posts.create_post(db.session, sw.ria, post_input(title="Plank voor Ria"))
    ria_match = match_flow.respond(db.session, sw.joost, ria_ask)
    db.session.commit()
    client.login("other_broker@example.org")
    assert client.get(f"/matches/{sw.match.id}").status_code == 404
    assert "Kerkweg 12" not in client.get(f"/posts/{sw.ask.id}").get_data(as_text=True)
    # Ria lives in Zuilen, which both initiatives serve: both their brokers may help her
    assert client.get(f"/matches/{ria_match.id}").status_code == 200
    assert "Kerkweg 12" in client.get(f"/posts/{ria_ask.id}").get_data(as_text=True)
    client.logout()
    client.login("broker@example.org")
    assert client.get(f"/matches/{sw.match.id}").status_code == 200
    assert "Kerkweg 12" in client.get(f"/posts/{sw.ask.id}").get_data(as_text=True)


def test_our_workspace_lists_and_links_only_whom_it_serves(client, sw):
    their_match = match_flow.respond(db.session, sw.ria, sw.their_ask)  # Ria helps their proxy neighbour
    sw.joost.neighbourhood_id = None  # Joost, who answered our ask, has moved away: he is no longer ours to open
    db.session.commit()
    client.login("broker@example.org")
    page = client.get(f"/broker/{OURS}/neighbours/{sw.ria.id}").get_data(as_text=True)
    assert f"/matches/{their_match.id}" not in page and "Meneer Bakker" not in page
    page = client.get(f"/broker/{OURS}/matches/{sw.match.id}").get_data(as_text=True)
    assert f"/broker/{OURS}/neighbours/{sw.jansen.id}" in page
    assert "Joost" in page and f"/broker/{OURS}/neighbours/{sw.joost.id}" not in page
