"""The broker's workspace: the queue, brokering by hand, proxy neighbours and consent, follow-up, notes."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import services
from buurthulp.broker.models import (
    BrokerAction,
    BrokerNote,
    ConsentDecision,
    FollowUp,
    ProxyAction,
    ProxyConsent,
    Referral,
)
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match, MatchSource, MatchStatus, PostKind
from tests.broker.queue_helpers import section_ids
from tests.posts.conftest import post_input

PAGES = ["/broker/{slug}", "/broker/{slug}/neighbours", "/broker/{slug}/proxies/new"]


def ask_of(person, **kw):
    post = posts.create_post(db.session, person, post_input(**kw))
    db.session.commit()
    return post


@pytest.mark.parametrize("email, status", [
    ("broker@example.org", 200), ("other_broker@example.org", 403), ("coordinator@example.org", 403),
    ("ria@example.org", 403),
])
def test_who_may_open_the_workspace(client, bw, email, status):
    ask = ask_of(bw.ria)
    client.login(email)
    for page in PAGES + [f"/broker/{{slug}}/asks/{ask.id}", f"/broker/{{slug}}/neighbours/{bw.ria.id}"]:
        assert client.get(page.format(slug="kracht-van-zuilen")).status_code == status, page


def test_anonymous_is_sent_to_login(client, bw):
    for page in PAGES:
        assert client.get(page.format(slug="kracht-van-zuilen")).status_code in (302, 401)


def test_a_broker_cannot_reach_another_initiatives_people_through_their_own_slug(client, bw):
    far_ask = ask_of(bw.annie)
    client.login("broker@example.org")
    assert client.get(f"/broker/kracht-van-zuilen/asks/{far_ask.id}").status_code == 404
    assert client.get(f"/broker/kracht-van-zuilen/neighbours/{bw.annie.id}").status_code == 404
    assert client.get("/broker/no-such-initiative").status_code == 404


def test_queue_lists_unmatched_asks_oldest_first_and_the_stale_ones(app, client, bw):
    old = ask_of(bw.ria, title="Oude vraag")
    old.created_at = utcnow() - timedelta(days=10)
    new = ask_of(bw.joost, title="Nieuwe vraag")
    far = ask_of(bw.annie, title="Verre vraag")
    db.session.commit()
    assert section_ids(bw.kracht, bw.broker, "new") == [old.id, new.id]
    assert far.id not in section_ids(bw.kracht, bw.broker, "new")
    client.login("broker@example.org")
    page = client.get("/broker/kracht-van-zuilen").get_data(as_text=True)
    assert page.index("Oude vraag") < page.index("Nieuwe vraag") and "Verre vraag" not in page


def test_queue_page_runs_a_constant_number_of_queries(app, client, bw, count_queries):
    client.login("broker@example.org")

    def count():
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get("/broker/kracht-van-zuilen").status_code == 200
        return q.count

    ask_of(bw.ria)
    joost_id = bw.joost.id
    few = count()
    joost = db.session.get(Neighbour, joost_id)
    for i in range(12):
        ask_of(joost, title=f"Vraag {i}")
    assert count() == few


def test_broker_a_match_by_hand_both_say_yes(client, make_client, bw):
    ask = ask_of(bw.ria)
    client.login("broker@example.org")
    response = client.post(f"/broker/kracht-van-zuilen/asks/{ask.id}/match",
                           {"helper_id": str(bw.joost.id), "note": "Joost woont om de hoek en klust graag."})
    assert response.status_code == 302
    match = db.session.scalar(sa.select(Match).where(Match.ask_id == ask.id))
    assert match.source == MatchSource.BROKER and match.broker_id == bw.broker.id
    assert match.status == MatchStatus.PROPOSED and match.note.startswith("Joost woont")
    for email in ("ria@example.org", "joost@example.org"):
        person = make_client()
        person.login(email)
        assert "Joost woont om de hoek" in person.get(f"/matches/{match.id}").get_data(as_text=True)
        assert person.post(f"/matches/{match.id}/accept").status_code == 302
    db.session.refresh(match)
    assert match.status == MatchStatus.ACCEPTED


def test_broker_match_refuses_bad_input(client, bw):
    ask = ask_of(bw.ria)
    client.login("broker@example.org")
    url = f"/broker/kracht-van-zuilen/asks/{ask.id}/match"
    assert client.post(url, {"helper_id": str(bw.ria.id)}).status_code == 400  # herself
    assert client.post(url, {"helper_id": str(bw.annie.id)}).status_code == 404  # not of this initiative
    assert client.post(url, {"helper_id": "abc"}).status_code == 400
    assert client.post(url, {"helper_id": str(bw.joost.id)}, csrf=False).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 0
    client.logout()
    client.login("other_broker@example.org")
    assert client.post(url, {"helper_id": str(bw.joost.id)}).status_code == 403


def test_proxy_neighbour_ask_and_consent_by_phone(client, bw):
    client.login("broker@example.org")
    response = client.post("/broker/kracht-van-zuilen/proxies/new", {
        "name": "Mevrouw Jansen", "contact_route": "06 12345678 (dochter)", "postcode": "3554 ab",
        "needs": ["boodschappen"], "availability": ["4-0"],
        "asked_by": "haar dochter", "consent_way": "by_phone", "consent_on": "2024-05-01", "agreed": "y", "key": "k1",
    })
    assert response.status_code == 302
    jansen = db.session.scalar(sa.select(Neighbour).where(Neighbour.display_name == "Mevrouw Jansen"))
    assert jansen.is_proxy and jansen.email is None and jansen.password_hash is None
    assert jansen.neighbourhood_id == bw.zuilen.id
    today = posts.local_today()
    response = client.post(f"/broker/kracht-van-zuilen/neighbours/{jansen.id}/posts/new", {
        "kind": "ask", "category": "boodschappen", "title": "Boodschappen op vrijdag", "timing": "flexible",
        "period_start": today.isoformat(), "period_end": (today + timedelta(days=7)).isoformat(),
        "duration_minutes": "60", "place": "their_place", "expiry_days": "30",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    ask = db.session.scalar(sa.select(posts.Post).where(posts.Post.author_id == jansen.id))
    match = match_flow.respond(db.session, bw.joost, ask, "Ik doe het graag")
    db.session.commit()
    # the broker sees at once that Mevrouw Jansen has an answer to give
    assert section_ids(bw.kracht, bw.broker, "phone") == [match.id]
    url = f"/broker/kracht-van-zuilen/matches/{match.id}/consent/{jansen.id}"
    assert client.post(url, {"decision": "accepted"}).status_code == 400  # how she consented is required
    assert client.post(url, {"decision": "accepted", "note": "Telefonisch, dinsdagochtend"}).status_code == 302
    db.session.refresh(match)
    assert match.status == MatchStatus.ACCEPTED
    consent = db.session.scalar(sa.select(ProxyConsent))
    assert consent.decision == ConsentDecision.ACCEPTED and consent.broker_id == bw.broker.id
    answered = db.session.scalar(sa.select(BrokerAction).where(BrokerAction.action == ProxyAction.ANSWERED))
    assert (answered.neighbour_id, answered.broker_id, answered.match_id) == (jansen.id, bw.broker.id, match.id)
    page = client.get(f"/broker/kracht-van-zuilen/neighbours/{jansen.id}/print")
    text = page.get_data(as_text=True)
    # no longer an open ask, but help coming up with Joost
    assert page.status_code == 200 and text.count("Boodschappen op vrijdag") == 1
    assert text.index("Boodschappen op vrijdag") < text.index("Joost")


def test_proxy_with_postcode_outside_the_initiative_is_refused(client, bw):
    client.login("broker@example.org")
    response = client.post("/broker/kracht-van-zuilen/proxies/new", {
        "name": "Meneer Far", "contact_route": "via de buurtwinkel", "postcode": "4121 AA"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(Neighbour).where(Neighbour.display_name == "Meneer Far")) is None


def test_follow_up_notes_and_referral(client, bw):
    ask = ask_of(bw.ria)
    match = match_flow.respond(db.session, bw.joost, ask)
    match_flow.accept(db.session, bw.ria, match)
    match_flow.mark_done(db.session, bw.joost, match, 90)
    match_flow.confirm_done(db.session, bw.ria, match, now=utcnow() - timedelta(days=5))
    db.session.commit()
    client.login("broker@example.org")
    page = client.get("/broker/kracht-van-zuilen?section=follow_up").get_data(as_text=True)
    assert f"/broker/kracht-van-zuilen/matches/{match.id}" in page
    url = f"/broker/kracht-van-zuilen/matches/{match.id}"
    assert client.post(url + "/follow-up", {"outcome": "went_well", "note": "Ria is blij"}).status_code == 302
    assert db.session.scalar(sa.select(FollowUp)).outcome.value == "went_well"
    assert client.post(url + "/follow-up", {"outcome": "went_well"}).status_code == 400  # once
    assert client.post(url + "/notes", {"body": "<b>bellen</b> in januari"}).status_code == 302
    assert "&lt;b&gt;bellen&lt;/b&gt;" in client.get(url).get_data(as_text=True)
    ask2 = ask_of(bw.ria, title="Digitaal hulp")
    response = client.post(f"/broker/kracht-van-zuilen/asks/{ask2.id}/referral",
                           {"organisation": "Bibliotheek Zuilen, Digicafé", "along": "Joost gaat dinsdag mee"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Referral)).organisation.startswith("Bibliotheek")
    assert client.post(f"/broker/kracht-van-zuilen/asks/{ask2.id}/referral", {"organisation": ""}).status_code == 400


def test_notes_are_for_the_initiatives_brokers_only(client, make_client, bw):
    services.add_note(db.session, bw.broker, bw.kracht, "Belt liever 's ochtends", neighbour=bw.ria)
    db.session.commit()
    other = make_client()
    other.login("other_broker@example.org")
    assert other.get(f"/broker/kracht-van-zuilen/neighbours/{bw.ria.id}").status_code == 403
    ria = make_client()
    ria.login("ria@example.org")
    for url in ("/profile", f"/neighbours/{bw.ria.id}", "/my/posts"):
        assert "Belt liever" not in ria.get(url).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BrokerNote)) == 1


def test_broker_nav_link_only_for_brokers(client, bw):
    client.login("ria@example.org")
    assert 'href="/broker/"' not in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("broker@example.org")
    assert 'href="/broker/"' in client.get("/").get_data(as_text=True)
    assert client.get("/broker/").status_code == 302


def test_offer_posted_for_a_proxy(client, bw):
    jansen = services.add_proxy(db.session, bw.broker, bw.kracht, name="Mevrouw Jansen", contact_route="06",
                                postcode="3554 AB", likes=["gezelschap"], needs=[])
    db.session.commit()
    post = services.post_for_proxy(db.session, bw.broker, bw.kracht, jansen,
                                   post_input(kind=PostKind.OFFER, category="gezelschap", title="Koffie bij mij"))
    db.session.commit()
    assert post.author_id == jansen.id and post.kind == PostKind.OFFER
    with pytest.raises(posts.NotAllowed):
        services.post_for_proxy(db.session, bw.other_broker, bw.kracht, jansen, post_input())


@pytest.fixture
def every_page(bw):
    """Every broker page and form of Kracht van Zuilen, with real ids."""
    jansen = services.add_proxy(db.session, bw.broker, bw.kracht, name="Mevrouw Jansen", contact_route="06",
                                postcode="3554 AB", likes=[], needs=["boodschappen"])
    db.session.commit()
    ask = ask_of(jansen)
    match = match_flow.respond(db.session, bw.joost, ask)
    db.session.commit()
    base = "/broker/kracht-van-zuilen"
    gets = [base, f"{base}/neighbours", f"{base}/proxies/new", f"{base}/asks/{ask.id}", f"{base}/matches/{match.id}",
            f"{base}/neighbours/{jansen.id}", f"{base}/neighbours/{jansen.id}/posts/new",
            f"{base}/neighbours/{jansen.id}/print", f"{base}/figures", f"{base}/figures.csv"]
    posts_ = [(f"{base}/asks/{ask.id}/match", {"helper_id": str(bw.ria.id)}),
              (f"{base}/asks/{ask.id}/referral", {"organisation": "Bibliotheek"}),
              (f"{base}/matches/{match.id}/consent/{jansen.id}", {"decision": "accepted", "note": "telefonisch"}),
              (f"{base}/matches/{match.id}/follow-up", {"outcome": "went_well"}),
              (f"{base}/matches/{match.id}/notes", {"body": "notitie"}),
              (f"{base}/neighbours/{jansen.id}/notes", {"body": "notitie"}),
              (f"{base}/proxies/new", {"name": "X", "contact_route": "06", "postcode": "3554 AB"})]
    return gets, posts_


@pytest.mark.parametrize("email", ["other_broker@example.org", "ria@example.org", "coordinator@example.org"])
def test_nobody_but_the_initiatives_brokers_sees_or_changes_anything(client, bw, every_page, email):
    gets, posts_ = every_page
    client.login(email)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url, data in posts_:
        assert client.post(url, data).status_code == 403, url
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BrokerNote)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProxyConsent)) == 0


def test_the_initiatives_broker_opens_every_page(client, bw, every_page):
    gets, _ = every_page
    client.login("broker@example.org")
    for url in gets:
        assert client.get(url).status_code == 200, url


def test_anonymous_gets_nothing(client, bw, every_page):
    gets, posts_ = every_page
    for url in gets:
        assert client.get(url).status_code in (302, 401), url
    for url, data in posts_:
        assert client.post(url, data).status_code in (302, 401), url


def test_a_proxy_neighbours_data_can_be_exported_and_deleted_by_their_broker(client, bw):
    jansen = services.add_proxy(db.session, bw.broker, bw.kracht, name="Mevrouw Jansen", contact_route="06 1234",
                                postcode="3554 AB", likes=[], needs=["boodschappen"])
    db.session.commit()
    ask = ask_of(jansen, title="Boodschappen")
    services.add_note(db.session, bw.broker, bw.kracht, "Slechthorend: hard praten", neighbour=jansen)
    services.refer(db.session, bw.broker, bw.kracht, ask, organisation="Buurtwinkel", note="Joost gaat mee")
    db.session.commit()
    base = f"/broker/kracht-van-zuilen/neighbours/{jansen.id}"
    client.login("broker@example.org")
    export = client.get(base + "/export")
    assert export.status_code == 200 and export.get_json()["profile"]["display_name"] == "Mevrouw Jansen"
    assert client.post(base + "/delete").status_code == 400  # not confirmed
    assert client.post(base + "/delete", {"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    gone = db.session.get(Neighbour, jansen.id)
    assert gone.deleted_at is not None and gone.display_name != "Mevrouw Jansen" and gone.contact_route == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BrokerNote)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0
    assert client.get(base).status_code == 404


def test_only_proxies_are_exported_or_deleted_by_a_broker(client, bw):
    client.login("broker@example.org")
    assert client.get(f"/broker/kracht-van-zuilen/neighbours/{bw.ria.id}/export").status_code == 404
    assert client.post(f"/broker/kracht-van-zuilen/neighbours/{bw.ria.id}/delete", {"confirm": "yes"}).status_code == 404
    client.logout()
    client.login("other_broker@example.org")
    assert client.get(f"/broker/kracht-van-zuilen/neighbours/{bw.ria.id}/export").status_code == 403
