"""The broker's queue at work: sections, filters, order and pages; who is on an ask (claims, hand-over, release,
two brokers at once); the helper candidates; a search after a refused form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.broker import queue as q
from buurthulp.broker.candidates import candidates
from buurthulp.broker.models import AskClaim
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood, Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Timing
from tests.broker.queue_helpers import section_ids
from tests.conftest import IS_SQLITE
from tests.factories import add_member, make_neighbour
from tests.posts.conftest import post_input
from tests.pot.test_concurrency import at_once

QUEUE = "/broker/kracht-van-zuilen"


def ask_of(person, **kw):
    post = posts.create_post(db.session, person, post_input(**kw))
    db.session.commit()
    return post


@pytest.fixture
def colleague(bw):
    """A second broker of Kracht van Zuilen."""
    person = make_neighbour(bw.zuilen, email="fatima@example.org", name="Fatima")
    add_member(bw.kracht, person, Role.BROKER)
    db.session.commit()
    return person


# --- sections ---------------------------------------------------------------------------------------

def test_each_ask_and_match_is_in_the_section_of_what_it_waits_for(bw):
    now = utcnow()
    bare = ask_of(bw.ria, title="Niemand voorgesteld")
    suggested = ask_of(bw.ria, title="Met een suggestie")
    db.session.add(_suggestion(suggested, bw.joost))
    proposed = ask_of(bw.ria, title="Voorgesteld")
    proposal = match_flow.respond(db.session, bw.joost, proposed)
    proposal.status, proposal.created_at = proposal.status.PROPOSED, now - timedelta(days=8)
    agreed = ask_of(bw.ria, title="Afgesproken")
    accepted = match_flow.respond(db.session, bw.joost, agreed)
    match_flow.accept(db.session, bw.ria, accepted)
    accepted.accepted_at = now - timedelta(days=8)
    done_ask = ask_of(bw.ria, title="Gedaan")
    done = match_flow.respond(db.session, bw.joost, done_ask)
    match_flow.accept(db.session, bw.ria, done)
    match_flow.mark_done(db.session, bw.joost, done, 60)
    match_flow.confirm_done(db.session, bw.ria, done, now=now - timedelta(days=5))
    long_done_ask = ask_of(bw.ria, title="Lang geleden")
    long_done = match_flow.respond(db.session, bw.joost, long_done_ask)
    match_flow.accept(db.session, bw.ria, long_done)
    match_flow.mark_done(db.session, bw.joost, long_done, 60)
    match_flow.confirm_done(db.session, bw.ria, long_done, now=now - timedelta(days=90))
    db.session.commit()
    assert section_ids(bw.kracht, bw.broker, "new") == [bare.id]
    assert section_ids(bw.kracht, bw.broker, "suggested") == [suggested.id]
    assert section_ids(bw.kracht, bw.broker, "no_answer") == [proposal.id]
    assert section_ids(bw.kracht, bw.broker, "not_done") == [accepted.id]
    assert section_ids(bw.kracht, bw.broker, "follow_up") == [done.id]  # not the one of 90 days ago
    counts = q.counts(db.session, q.scope(db.session, bw.kracht, bw.broker, now, q.Settings()), q.Filters())
    assert counts == {q.Section.NEW: 1, q.Section.SUGGESTED: 1, q.Section.PHONE: 0, q.Section.NO_ANSWER: 1,
                      q.Section.NOT_DONE: 1, q.Section.FOLLOW_UP: 1}


def _suggestion(ask, helper):
    from buurthulp.posts.models import Match, MatchSource, MatchStatus

    return Match(ask=ask, asker_id=ask.author_id, helper_id=helper.id, source=MatchSource.SCHEDULER,
                 status=MatchStatus.SUGGESTED, score=1.0, reasons=[{"code": "fit"}])


def test_filters_and_order(bw, colleague):
    now = utcnow()
    old = ask_of(bw.ria, title="Oud", category=Category.ODD_JOBS)
    old.created_at = now - timedelta(days=20)
    soon = ask_of(bw.joost, title="Gauw", category=Category.GROCERIES, timing=Timing.ONCE, on_date=(now + timedelta(days=2)).date())
    later = ask_of(bw.ria, title="Later", category=Category.ODD_JOBS, timing=Timing.ONCE, on_date=(now + timedelta(days=9)).date())
    db.session.commit()
    assert section_ids(bw.kracht, bw.broker, "new") == [old.id, soon.id, later.id]
    assert section_ids(bw.kracht, bw.broker, "new", sort=q.Sort.URGENCY) == [soon.id, later.id, old.id]
    assert section_ids(bw.kracht, bw.broker, "new", neighbourhood_id=bw.ondiep.id) == [soon.id]
    assert section_ids(bw.kracht, bw.broker, "new", category=Category.ODD_JOBS) == [old.id, later.id]
    assert section_ids(bw.kracht, bw.broker, "new", min_days=14) == [old.id]
    q.claim(db.session, bw.broker, bw.kracht, later)
    q.claim(db.session, colleague, bw.kracht, old)
    db.session.commit()
    assert section_ids(bw.kracht, bw.broker, "new", holder=q.Holder.MINE) == [later.id]
    assert section_ids(bw.kracht, bw.broker, "new", holder=q.Holder.UNCLAIMED) == [soon.id]
    assert section_ids(bw.kracht, colleague, "new", holder=q.Holder.MINE) == [old.id]


# --- the page ---------------------------------------------------------------------------------------

def test_the_queue_page_shows_a_section_a_page_at_a_time_with_counts(app, client, bw):
    app.config["BROKER_QUEUE_PAGE_SIZE"] = 5
    for i in range(12):
        ask_of(bw.ria, title=f"Vraag {i:02d}")
    client.login("broker@example.org")
    page = client.get(QUEUE).get_data(as_text=True)
    assert page.count("<tr>") == 1 + 5 and "Vraag 00" in page and "Vraag 05" not in page
    assert re.search(r'aria-current="page">Nog geen voorstel\s*<span class="badge">12</span>', page)
    assert "Pagina 1 van 3" in page
    third = client.get(QUEUE + "?page=3").get_data(as_text=True)
    assert "Vraag 10" in third and "Vraag 11" in third and "Vraag 09" not in third


@pytest.mark.parametrize("query", ["section=nonsense", "hood=abc", "hood=99999", "category=toveren", "age=-3",
                                   "holder=iedereen", "sort=random", "page=abc"])
def test_nonsense_in_the_address_falls_back_to_the_default(client, bw, query):
    ask_of(bw.ria, title="Gewone vraag")
    client.login("broker@example.org")
    response = client.get(f"{QUEUE}?{query}")
    if query == "page=abc":
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert "Gewone vraag" in response.get_data(as_text=True)


def test_the_queue_page_runs_a_constant_number_of_queries_in_every_section(app, client, bw, count_queries):
    client.login("broker@example.org")

    def count(section: str) -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get(f"{QUEUE}?section={section}&holder=unclaimed").status_code == 200
        return counter.count

    ria_id, joost_id = bw.ria.id, bw.joost.id
    for section in q.Section:
        few = count(section.value)
        ria, joost = db.session.get(Neighbour, ria_id), db.session.get(Neighbour, joost_id)
        for i in range(6):
            ask = ask_of(ria, title=f"{section.value} {i}")
            match = match_flow.respond(db.session, joost, ask)
            match_flow.accept(db.session, ria, match)
            match.accepted_at = utcnow() - timedelta(days=10)
            db.session.commit()
        assert count(section.value) == few, section


# --- who is on it -----------------------------------------------------------------------------------

def test_claim_hand_over_and_release(client, make_client, bw, colleague):
    ask = ask_of(bw.ria, title="Lamp ophangen")
    client.login("broker@example.org")
    assert client.post(f"{QUEUE}/asks/{ask.id}/claim", {"next": QUEUE}).headers["Location"] == QUEUE
    assert "Jij" in client.get(QUEUE).get_data(as_text=True)
    other = make_client()
    other.login("fatima@example.org")
    assert "Broker" in other.get(QUEUE).get_data(as_text=True)  # Fatima sees who is on it
    refused = other.post(f"{QUEUE}/asks/{ask.id}/claim", {})
    assert refused.status_code == 409 and "Broker is er al mee bezig." in refused.get_data(as_text=True)
    assert other.post(f"{QUEUE}/asks/{ask.id}/release", {}).status_code == 400  # not hers to let go
    assert other.post(f"{QUEUE}/asks/{ask.id}/hand-over", {"colleague_id": str(bw.broker.id)}).status_code == 400
    # hand it over: only to another broker of the initiative
    assert client.post(f"{QUEUE}/asks/{ask.id}/hand-over", {"colleague_id": str(bw.ria.id)}).status_code == 400
    assert client.post(f"{QUEUE}/asks/{ask.id}/hand-over", {"colleague_id": ""}).status_code == 400
    assert client.post(f"{QUEUE}/asks/{ask.id}/hand-over", {"colleague_id": str(colleague.id)}).status_code == 302
    claim = db.session.scalar(sa.select(AskClaim))
    assert (claim.broker_id, claim.handed_by_id) == (colleague.id, bw.broker.id)
    assert "Broker heeft het aan jou gegeven." in other.get(f"{QUEUE}/asks/{ask.id}").get_data(as_text=True)
    assert other.post(f"{QUEUE}/asks/{ask.id}/release", {}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskClaim)) == 0
    assert client.post(f"{QUEUE}/asks/{ask.id}/claim", {}, csrf=False).status_code == 400


def test_claims_are_for_the_initiatives_brokers_only(client, bw):
    ask = ask_of(bw.ria)
    q.claim(db.session, bw.broker, bw.kracht, ask)
    db.session.commit()
    for email, status in (("other_broker@example.org", 403), ("coordinator@example.org", 403),
                          ("ria@example.org", 403)):
        client.login(email)
        assert client.post(f"{QUEUE}/asks/{ask.id}/release", {}).status_code == status
        assert client.post(f"{QUEUE}/asks/{ask.id}/claim", {}).status_code == status
        client.logout()
    far = ask_of(bw.annie)
    with pytest.raises(DomainError):
        q.claim(db.session, bw.broker, bw.kracht, far)
    # the other initiative's brokers neither see nor hold our claims
    assert q.claims_on(db.session, bw.winkel, [ask.id]) == {}
    client.login("other_broker@example.org")
    assert client.post(f"/broker/buurtwinkel-everdingen/asks/{ask.id}/release", {}).status_code == 404


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")
def test_two_brokers_claiming_at_the_same_moment_one_holds_it(app, bw, colleague):
    ask = ask_of(bw.ria)
    ids = (bw.kracht.id, ask.id, bw.broker.id, colleague.id)

    def claim(i: int) -> str:
        initiative, post = db.session.get(Initiative, ids[0]), db.session.get(type(ask), ids[1])
        broker = db.session.get(Neighbour, ids[2 + i % 2])
        try:
            q.claim(db.session, broker, initiative, post)
            db.session.commit()
            return f"held by {broker.id}"
        except q.AlreadyClaimed:
            db.session.rollback()
            return "refused"

    results = at_once(app, 8, claim)
    holders = {r for r in results if r != "refused"}
    assert len(holders) == 1, results  # one broker holds it (pressing twice is fine for them), the other is told
    assert "refused" in results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskClaim)) == 1


# --- choosing a helper ------------------------------------------------------------------------------

def liker(hood, email: str, name: str) -> Neighbour:
    """A neighbour at the neighbourhood's centre who likes odd jobs."""
    person = make_neighbour(hood, email=email, name=name, latitude=hood.centre_lat, longitude=hood.centre_lon)
    set_interests(person, InterestDirection.OFFER, [Category.ODD_JOBS.value])
    db.session.flush()
    return person


def test_candidates_show_what_the_matcher_knows_best_first(bw):
    now = utcnow()
    ask = ask_of(bw.ria, category=Category.ODD_JOBS)
    liker(bw.zuilen, "near@example.org", "Dichtbij")
    busy = liker(bw.zuilen, "busy@example.org", "Druk")
    for i in range(3):
        other_ask = ask_of(bw.joost, title=f"Andere {i}")
        match_flow.respond(db.session, busy, other_ask)
    earlier = ask_of(bw.ria, title="Eerder")
    warm = match_flow.respond(db.session, bw.joost, earlier)
    match_flow.accept(db.session, bw.ria, warm)
    match_flow.mark_done(db.session, bw.joost, warm, 60)
    match_flow.confirm_done(db.session, bw.ria, warm, now=now - timedelta(days=1))
    db.session.commit()
    found = {c.person.display_name: c for c in candidates(db.session, bw.kracht, ask, now)}
    assert {"Dichtbij", "Druk"} <= set(found)
    assert found["Druk"].open_matches == 3 and found["Druk"].this_month == 3
    assert found["Dichtbij"].open_matches == 0 and found["Dichtbij"].distance == 0
    assert found["Dichtbij"].score > found["Druk"].score  # the fair spread
    assert {"code": "fair"} in found["Dichtbij"].reasons
    by_name = candidates(db.session, bw.kracht, ask, now, query="joo")
    assert [c.person.id for c in by_name] == [bw.joost.id] and by_name[0].helped_before


def test_the_candidate_list_runs_a_constant_number_of_queries(client, bw, count_queries):
    ask_id, zuilen_id = ask_of(bw.ria, category=Category.ODD_JOBS).id, bw.zuilen.id
    client.login("broker@example.org")

    def count() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get(f"{QUEUE}/asks/{ask_id}").status_code == 200
        return counter.count

    liker(db.session.get(Neighbourhood, zuilen_id), "h0@example.org", "Helper 0")
    db.session.commit()
    few = count()
    for i in range(1, 9):
        liker(db.session.get(Neighbourhood, zuilen_id), f"h{i}@example.org", f"Helper {i}")
    db.session.commit()
    assert count() == few


def test_a_search_after_a_refused_proposal_still_works(client, bw):
    ask = ask_of(bw.ria)
    client.login("broker@example.org")
    refused = client.post(f"{QUEUE}/asks/{ask.id}/match", {"helper_id": str(bw.ria.id)})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    action = re.search(r'<form method="get" action="([^"]+)" class="search-form"', page).group(1)
    assert action == f"{QUEUE}/asks/{ask.id}"
    assert client.get(f"{action}?q=Joost").status_code == 200
