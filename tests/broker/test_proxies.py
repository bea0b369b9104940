"""Neighbours without internet, served end to end: registered with their consent and once per form, a broker
doing for them what they would do themselves (logged with the broker's name), the phone list and the print-out."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import proxies, services
from buurthulp.broker.models import BrokerAction, ProxyAction, ProxyRegistration
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Block, Match, MatchStatus, Message, ThankYou
from buurthulp.timeutil import local_to_utc, local_today
from tests.conftest import IS_SQLITE
from tests.factories import make_neighbour
from tests.posts.conftest import post_input

BASE = "/broker/kracht-van-zuilen"
KEY_RE = re.compile(r'name="key" type="hidden" value="([^"]+)"')


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def english(*people) -> None:
    """Pages in English for these people: new texts read the same before and after their Dutch is merged."""
    for person in people:
        person.locale = "en"
    db.session.commit()


def consent(**overrides) -> dict:
    form = {"name": "Mevrouw Jansen", "contact_route": "06 12345678 (dochter)", "postcode": "3554 AB",
            "needs": ["boodschappen"], "asked_by": "haar dochter", "consent_way": "by_phone",
            "consent_on": (local_today() - timedelta(days=1)).isoformat(), "agreed": "y", "key": "key-1"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def register(bw, key="service-key", **kw) -> tuple[Neighbour, bool]:
    values = dict(key=key, asked_by="zijzelf", consent_way="in_person", consent_on=local_today(), agreed=True,
                  name="Mevrouw Jansen", contact_route="06 1", postcode="3554 AB", likes=[], needs=["boodschappen"])
    values.update(kw)
    return proxies.register_proxy(db.session, bw.broker, bw.kracht, **values)


def proxy_of(bw, name="Mevrouw Jansen") -> Neighbour:
    proxy = services.add_proxy(db.session, bw.broker, bw.kracht, name=name, contact_route="06 1",
                               postcode="3554 AB", likes=[], needs=["boodschappen"])
    db.session.commit()
    return proxy


def agreed_match(proxy, helper, title="Boodschappen op vrijdag") -> Match:
    """``helper`` answered the proxy's ask and the proxy said yes."""
    ask = posts.create_post(db.session, proxy, post_input(title=title))
    match = match_flow.respond(db.session, helper, ask, "Ik doe het graag")
    match_flow.accept(db.session, proxy, match)
    db.session.commit()
    return match


def act(client, match, proxy, what, **fields):
    data = {f"p{proxy.id}-{name}": value for name, value in fields.items()}
    return client.post(f"{BASE}/matches/{match.id}/for/{proxy.id}/{what}", data)


def logged(proxy) -> list[tuple]:
    db.session.expire_all()
    return [(a.action, a.broker_id, a.match_id) for a in db.session.scalars(
        sa.select(BrokerAction).where(BrokerAction.neighbour_id == proxy.id).order_by(BrokerAction.id))]


# --- registering, with consent, once --------------------------------------------------------------

def test_registering_records_who_asked_when_and_how_they_agreed(client, bw):
    english(bw.broker)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/proxies/new").get_data(as_text=True)
    key = KEY_RE.search(page).group(1)
    assert len(key) >= 20
    response = client.post(f"{BASE}/proxies/new", consent(key=key, consent_on="2024-05-01"))
    assert response.status_code == 302
    jansen = db.session.scalar(sa.select(Neighbour).where(Neighbour.display_name == "Mevrouw Jansen"))
    assert response.headers["Location"].endswith(f"{BASE}/neighbours/{jansen.id}")
    registration = db.session.get(ProxyRegistration, jansen.id)
    assert (registration.asked_by, registration.consent_way.value, registration.consent_on) == (
        "haar dochter", "by_phone", date(2024, 5, 1))
    assert registration.registered_by_id == bw.broker.id and registration.idempotency_key == key
    assert registration.initiative_id == bw.kracht.id
    assert logged(jansen) == [(ProxyAction.REGISTERED, bw.broker.id, None)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "haar dochter" in page and "1 May 2024" in page and "by phone" in page
    assert "Registered them" in page and "Broker" in page
    assert 'aria-label="Broker menu"' in page


@pytest.mark.parametrize("missing, field", [
    ({"asked_by": None}, "asked_by"), ({"asked_by": "  "}, "asked_by"), ({"consent_on": None}, "consent_on"),
    ({"consent_way": None}, "consent_way"), ({"consent_way": "by_pigeon"}, "consent_way"),
    ({"agreed": None}, "agreed"),
    ({"consent_on": (date.today() + timedelta(days=2)).isoformat()}, "consent_on"),
])
def test_without_consent_nothing_is_saved(client, bw, missing, field):
    client.login("broker@example.org")
    before = count(Neighbour)
    response = client.post(f"{BASE}/proxies/new", consent(**missing))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page  # the message is at the field
    assert 'class="error-summary"' in page
    assert count(Neighbour) == before and count(ProxyRegistration) == 0 and count(BrokerAction) == 0


def test_a_form_without_its_key_is_refused(client, bw):
    client.login("broker@example.org")
    before = count(Neighbour)
    assert client.post(f"{BASE}/proxies/new", consent(key=None)).status_code == 400
    assert client.post(f"{BASE}/proxies/new", consent(key="x" * 65)).status_code == 400
    assert count(Neighbour) == before


def test_a_refused_postcode_keeps_the_key_and_says_so_at_the_field(client, bw):
    client.login("broker@example.org")
    response = client.post(f"{BASE}/proxies/new", consent(postcode="4121 AA", key="far-key"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="postcode-error"' in page and 'value="far-key"' in page
    assert count(ProxyRegistration) == 0


def test_the_same_form_sent_twice_registers_one_neighbour(client, bw):
    client.login("broker@example.org")
    first = client.post(f"{BASE}/proxies/new", consent(key="twice"))
    second = client.post(f"{BASE}/proxies/new", consent(key="twice"))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour)
                             .where(Neighbour.display_name == "Mevrouw Jansen")) == 1
    assert count(ProxyRegistration) == 1 and count(BrokerAction) == 1
    # another form (another key) is another neighbour, also with the same name: two people can share one
    assert client.post(f"{BASE}/proxies/new", consent(key="other")).status_code == 302
    assert count(ProxyRegistration) == 2


def test_the_service_registers_once_per_key(bw):
    jansen, created = register(bw)
    db.session.commit()
    again, created_again = register(bw, name="Iets anders")
    db.session.commit()
    assert (created, created_again) == (True, False) and again.id == jansen.id
    assert count(ProxyRegistration) == 1


def test_a_key_of_another_initiative_is_refused(bw):
    register(bw, key="shared")
    db.session.commit()
    with pytest.raises(DomainError):
        proxies.register_proxy(db.session, bw.other_broker, bw.winkel, key="shared", asked_by="zijzelf",
                               consent_way="in_person", consent_on=local_today(), agreed=True, name="X",
                               contact_route="06", postcode="4121 AA")


@pytest.mark.parametrize("change", [{"agreed": False}, {"asked_by": " "}, {"consent_on": date(2999, 1, 1)},
                                    {"key": ""}, {"key": "k" * 65}, {"consent_way": "by_pigeon"}])
def test_the_service_asks_for_consent_too(bw, change):
    with pytest.raises(DomainError):
        register(bw, **change)
    db.session.rollback()
    assert count(ProxyRegistration) == 0


def test_only_a_broker_of_the_initiative_registers(bw):
    with pytest.raises(NotAllowed):
        proxies.register_proxy(db.session, bw.other_broker, bw.kracht, key="k", asked_by="zijzelf",
                               consent_way="in_person", consent_on=local_today(), agreed=True, name="X",
                               contact_route="06", postcode="3554 AB")


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (CI runs it in its "
                                      "PostgreSQL step)")
def test_the_same_form_sent_at_the_same_moment_registers_one_neighbour(app, bw):
    threads_count = 6
    ids = (bw.broker.id, bw.kracht.id)
    start = threading.Barrier(threads_count)
    results: list = [None] * threads_count

    def run(i: int) -> None:
        with app.app_context():
            try:
                broker, initiative = db.session.get(Neighbour, ids[0]), db.session.get(Initiative, ids[1])
                start.wait(timeout=120)
                proxy, created = proxies.register_proxy(
                    db.session, broker, initiative, key="at-once", asked_by="zijzelf", consent_way="by_phone",
                    consent_on=local_today(), agreed=True, name="Mevrouw Tegelijk", contact_route="06",
                    postcode="3554 AB", likes=[], needs=[])
                db.session.commit()
                results[i] = (proxy.id, created)
            except BaseException as exc:  # noqa: BLE001 -- reported below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({proxy_id for proxy_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (threads_count - 1) + [True]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour)
                             .where(Neighbour.display_name == "Mevrouw Tegelijk")) == 1
    assert count(ProxyRegistration) == 1 and count(BrokerAction) == 1


def test_a_proxy_registered_before_says_it_has_no_registration(client, bw):
    english(bw.broker)
    jansen = proxy_of(bw)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/neighbours/{jansen.id}").get_data(as_text=True)
    assert "was registered before buurthulp kept how neighbours agreed" in page
    assert "Who asked for this" not in page


def test_a_neighbour_with_a_log_in_has_no_registration_section(client, bw):
    english(bw.broker)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/neighbours/{bw.ria.id}").get_data(as_text=True)
    assert "How they were registered" not in page and 'aria-label="Broker menu"' in page


# --- acting for a proxy neighbour on a match ------------------------------------------------------

def test_done_for_the_proxy_and_the_other_confirms(client, bw):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    assert act(client, match, jansen, "done", hours="1,5").status_code == 302
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert match.done_marked_by_id == jansen.id and match.minutes == 90
    match_flow.confirm_done(db.session, bw.joost, match)
    db.session.commit()
    assert logged(jansen) == [(ProxyAction.MARKED_DONE, bw.broker.id, match.id)]


def test_the_broker_confirms_for_the_proxy_with_the_hours(client, bw):
    english(bw.broker)
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    match_flow.mark_done(db.session, bw.joost, match, 60)
    db.session.commit()
    client.login("broker@example.org")
    page = client.get(f"{BASE}/matches/{match.id}").get_data(as_text=True)
    assert "Confirm it is done" in page and f'name="p{jansen.id}-hours"' in page
    assert act(client, match, jansen, "done", hours="2").status_code == 302
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert match.status == MatchStatus.DONE and match.minutes == 120
    assert logged(jansen) == [(ProxyAction.CONFIRMED_DONE, bw.broker.id, match.id)]
    page = client.get(f"{BASE}/neighbours/{jansen.id}").get_data(as_text=True)
    assert "Confirmed the help is done" in page and "2 hours" in page


@pytest.mark.parametrize("hours", [None, "0", "25", "veel"])
def test_done_without_sensible_hours_is_refused(client, bw, hours):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    response = act(client, match, jansen, "done", **({"hours": hours} if hours is not None else {}))
    assert response.status_code == 400
    assert f'id="p{jansen.id}-hours-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, match.id).done_marked_at is None and logged(jansen) == []


def test_done_before_the_agreed_day_is_refused(client, bw):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    match.agreed_start = local_to_utc(local_today() + timedelta(days=3), utcnow().time().replace(hour=10, minute=0))
    db.session.commit()
    client.login("broker@example.org")
    assert act(client, match, jansen, "done", hours="1").status_code == 400
    assert logged(jansen) == []


def test_thanks_cancel_block_for_the_proxy(client, bw):
    jansen = proxy_of(bw)
    done = agreed_match(jansen, bw.joost, title="Lamp")
    match_flow.mark_done(db.session, bw.joost, done, 60)
    match_flow.confirm_done(db.session, jansen, done)
    live = agreed_match(jansen, bw.ria, title="Tuin")
    db.session.commit()
    client.login("broker@example.org")
    assert act(client, done, jansen, "thanks", thanks_note="Dank je wel, Joost!").status_code == 302
    note = db.session.scalar(sa.select(ThankYou))
    assert (note.author_id, note.helper_id, note.body) == (jansen.id, bw.joost.id, "Dank je wel, Joost!")
    assert act(client, live, jansen, "cancel", reason="x").status_code == 400  # say why, in a few words
    assert act(client, live, jansen, "cancel", reason="Haar dochter doet het al").status_code == 302
    db.session.expire_all()
    live = db.session.get(Match, live.id)
    assert live.status == MatchStatus.CANCELLED and live.cancel_reason == "Haar dochter doet het al"
    assert act(client, done, jansen, "block").status_code == 400  # the tick: she asked for it
    assert act(client, done, jansen, "block", asked="y").status_code == 302
    assert db.session.get(Block, (jansen.id, bw.joost.id)) is not None
    assert [a for a, _, _ in logged(jansen)] == [ProxyAction.THANKED, ProxyAction.CANCELLED, ProxyAction.BLOCKED]
    assert all(broker == bw.broker.id for _, broker, _ in logged(jansen))
    reason = db.session.scalar(sa.select(BrokerAction.note).where(BrokerAction.action == ProxyAction.CANCELLED))
    assert reason == "Haar dochter doet het al"


def test_thanks_only_from_the_person_helped_once_done(client, bw):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    assert act(client, match, jansen, "thanks", thanks_note="Dank").status_code == 400  # not done yet
    assert count(ThankYou) == 0 and logged(jansen) == []


def test_the_conversation_read_and_a_message_written_for_the_proxy(client, bw):
    english(bw.broker)
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/matches/{match.id}/for/{jansen.id}")
    assert page.status_code == 200 and "Ik doe het graag" in page.get_data(as_text=True)
    client.get(f"{BASE}/matches/{match.id}/for/{jansen.id}")  # read again at once: logged once
    assert logged(jansen) == [(ProxyAction.READ_CONVERSATION, bw.broker.id, match.id)]
    response = act(client, match, jansen, "messages", body="Ze is vrijdag na tienen thuis.")
    assert response.status_code == 302 and f"/for/{jansen.id}" in response.headers["Location"]
    message = db.session.scalar(sa.select(Message).order_by(Message.id.desc()))
    assert message.author_id == jansen.id
    # marked as the broker's, in the reader's language (Joost: Dutch), with the broker's name
    assert bw.broker.display_name in message.body and "Mevrouw Jansen" in message.body
    assert message.body.endswith("Ze is vrijdag na tienen thuis.")
    assert message.body.index(bw.broker.display_name) < message.body.index("Ze is vrijdag")
    assert [a for a, _, _ in logged(jansen)] == [ProxyAction.READ_CONVERSATION, ProxyAction.MESSAGED]
    # Joost sees the mark in the conversation
    client.logout()
    client.login("joost@example.org")
    assert bw.broker.display_name in client.get(f"/matches/{match.id}").get_data(as_text=True)


def test_an_empty_message_is_refused(client, bw):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    before = count(Message)
    assert act(client, match, jansen, "messages", body="  ").status_code == 400
    assert count(Message) == before


def test_the_match_page_offers_the_actions_for_our_proxy_only(client, bw):
    english(bw.broker)
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/matches/{match.id}").get_data(as_text=True)
    assert "Do this for Mevrouw Jansen" in page and f"/matches/{match.id}/for/{jansen.id}/done" in page
    assert f"/for/{bw.joost.id}/" not in page  # Joost has a log-in: he acts himself


def test_nobody_else_acts_for_the_proxy(client, make_client, bw):
    jansen = proxy_of(bw)
    match = agreed_match(jansen, bw.joost)
    other_ask = posts.create_post(db.session, bw.ria, post_input(title="Plank voor Ria"))
    not_hers = match_flow.respond(db.session, bw.joost, other_ask)
    db.session.commit()
    client.login("broker@example.org")
    # a match that is not hers, and someone who is not a proxy neighbour
    assert client.get(f"{BASE}/matches/{not_hers.id}/for/{jansen.id}").status_code == 404
    assert act(client, not_hers, jansen, "cancel", reason="Niet meer nodig").status_code == 404
    assert client.get(f"{BASE}/matches/{match.id}/for/{bw.joost.id}").status_code == 404
    for email, slug, status in [("other_broker@example.org", "buurtwinkel-everdingen", 404),
                                ("other_broker@example.org", "kracht-van-zuilen", 403),
                                ("coordinator@example.org", "kracht-van-zuilen", 403),
                                ("joost@example.org", "kracht-van-zuilen", 403)]:
        other = make_client()
        other.login(email)
        url = f"/broker/{slug}/matches/{match.id}/for/{jansen.id}"
        assert other.get(url).status_code == status, (email, slug)
        assert other.post(f"{url}/cancel", {f"p{jansen.id}-reason": "Weg ermee"}).status_code == status
    db.session.expire_all()
    assert db.session.get(Match, match.id).status == MatchStatus.ACCEPTED and logged(jansen) == []
    with pytest.raises(NotAllowed):
        proxies.cancel_for(db.session, bw.other_broker, bw.winkel, match, jansen, "Weg ermee")
    with pytest.raises(NotAllowed):
        proxies.done_for(db.session, bw.broker, bw.kracht, not_hers, jansen, 60)


def test_the_log_shows_the_latest_fifty_newest_first(client, bw):
    jansen = proxy_of(bw)
    start = utcnow() - timedelta(days=1)
    for i in range(proxies.LOG_LENGTH + 10):
        services.log_action(db.session, bw.broker, bw.kracht, jansen, ProxyAction.POSTED, note=f"oproep-{i:02d}",
                           now=start + timedelta(minutes=i))
    db.session.commit()
    actions = proxies.actions_for(db.session, jansen)
    assert len(actions) == proxies.LOG_LENGTH
    assert actions[0].note == "oproep-59" and actions[-1].note == "oproep-10"
    client.login("broker@example.org")
    page = client.get(f"{BASE}/neighbours/{jansen.id}").get_data(as_text=True)
    assert "oproep-59" in page and "oproep-10" in page and "oproep-09" not in page
    assert page.index("oproep-59") < page.index("oproep-10")


def test_posting_for_the_proxy_is_logged(client, bw):
    jansen = proxy_of(bw)
    client.login("broker@example.org")
    today = local_today()
    response = client.post(f"{BASE}/neighbours/{jansen.id}/posts/new", {
        "kind": "ask", "category": "boodschappen", "title": "Boodschappen op vrijdag", "timing": "flexible",
        "period_start": today.isoformat(), "period_end": (today + timedelta(days=7)).isoformat(),
        "duration_minutes": "60", "place": "their_place", "expiry_days": "30"})
    assert response.status_code == 302
    assert [a for a, _, _ in logged(jansen)] == [ProxyAction.POSTED]


def test_the_proxys_data_hold_their_registration_and_log(bw):
    from buurthulp import privacy

    jansen, _ = register(bw)
    db.session.commit()
    data = privacy.export_data(db.session, jansen)
    text = repr(data)
    assert "zijzelf" in text and "registered" in text


# --- the phone list -------------------------------------------------------------------------------

def test_the_phone_list_says_how_to_reach_each_proxy_and_what_waits(client, bw):
    english(bw.broker)
    jansen = proxy_of(bw)
    jansen.phone = "030 123 45 67"
    bakker = proxy_of(bw, name="Meneer Bakker")
    stil = proxy_of(bw, name="Mevrouw Stil")
    far = services.add_proxy(db.session, bw.other_broker, bw.winkel, name="Meneer Ver", contact_route="06 9",
                             postcode="4121 AA", likes=[], needs=[])
    # Jansen: help agreed with Joost; Bakker: two neighbours answered his ask, and done help to follow up
    agreed_match(jansen, bw.joost)
    ask = posts.create_post(db.session, bakker, post_input(title="Plank voor Bakker"))
    match_flow.respond(db.session, bw.joost, ask)
    match_flow.respond(db.session, bw.ria, ask)
    earlier = agreed_match(bakker, bw.ria, title="Lamp voor Bakker")
    match_flow.mark_done(db.session, bw.ria, earlier, 60)
    match_flow.confirm_done(db.session, bakker, earlier, now=utcnow() - timedelta(days=10))
    db.session.commit()
    rows = proxies.phone_list(db.session, bw.kracht, utcnow(), follow_up_days=3)
    assert [r.neighbour.id for r in rows] == [bakker.id, jansen.id, stil.id]
    waiting = {r.neighbour.id: sorted((w.kind, w.count) for w in r.waiting) for r in rows}
    assert waiting == {bakker.id: [("answer", 2), ("follow_up", 1)], jansen.id: [("agreed", 1)], stil.id: []}
    client.login("broker@example.org")
    page = client.get(f"{BASE}/phone-list").get_data(as_text=True)
    assert "030 123 45 67" in page and "06 1" in page
    assert "2 suggestions to answer" in page and "ask how it went" in page and "not done yet" in page
    assert "Nothing waits at the moment." in page
    assert far.display_name not in page
    assert f'href="{BASE}/phone-list" aria-current="page"' in page


def test_the_phone_list_runs_a_constant_number_of_queries(client, bw, count_queries):
    client.login("broker@example.org")
    broker_id, kracht_id, joost_id, ria_id = bw.broker.id, bw.kracht.id, bw.joost.id, bw.ria.id

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(f"{BASE}/phone-list").status_code == 200
        return q.count

    def proxies_with_work(n: int) -> None:
        for i in range(n):
            broker, kracht = db.session.get(Neighbour, broker_id), db.session.get(Initiative, kracht_id)
            proxy = services.add_proxy(db.session, broker, kracht, name=f"Buur {len(str(i))}{i}",
                                       contact_route="06", postcode="3554 AB", likes=[], needs=[])
            joost = db.session.get(Neighbour, joost_id)
            agreed_match(proxy, joost, title=f"Klus {i}")
            ask = posts.create_post(db.session, proxy, post_input(title=f"Vraag {i}"))
            match_flow.respond(db.session, db.session.get(Neighbour, ria_id), ask)
            db.session.commit()

    proxies_with_work(2)
    few = queries()
    proxies_with_work(8)
    assert queries() == few


# --- the print-out --------------------------------------------------------------------------------

def test_the_print_out_has_whom_to_call_and_when_and_where_help_comes(client, bw):
    english(bw.broker)
    bw.broker.phone = "06 98765432"
    karin = make_neighbour(bw.ondiep, email="karin@example.org", name="Karin van Dam",
                           latitude=bw.ondiep.centre_lat, longitude=bw.ondiep.centre_lon)
    jansen = proxy_of(bw)
    match = agreed_match(jansen, karin, title="Boodschappen op vrijdag")
    day = local_today() + timedelta(days=4)
    match.agreed_start = local_to_utc(day, utcnow().time().replace(hour=14, minute=30, second=0, microsecond=0))
    match.note = "Karin belt eerst even aan."
    db.session.commit()
    client.login("broker@example.org")
    page = client.get(f"{BASE}/neighbours/{jansen.id}/print").get_data(as_text=True)
    assert "06 98765432" in page and bw.broker.display_name in page
    assert "Karin" in page and "van Dam" not in page
    assert f"{day.day} " in page and "14:30" in page
    assert "Karin belt eerst even aan." in page
    assert "Where: Near the home of the person who posted" in page


def test_without_a_phone_the_print_out_gives_the_initiatives_address(client, bw):
    english(bw.broker)
    bw.kracht.contact_email = "hallo@krachtvanzuilen.nl"
    db.session.commit()
    jansen = proxy_of(bw)
    client.login("broker@example.org")
    page = client.get(f"{BASE}/neighbours/{jansen.id}/print").get_data(as_text=True)
    assert "hallo@krachtvanzuilen.nl" in page
