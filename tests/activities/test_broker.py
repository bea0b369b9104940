"""A broker signs up a neighbour without internet for an activity and arranges their lift: each step is logged on
their page, and the printed overview lists the date with its time, place and lift. Nobody else may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.activities import lifts, services, signups
from buurthulp.activities.models import ActivitySignup, SignupStatus
from buurthulp.broker import activities as for_proxy
from buurthulp.broker.models import BrokerAction, ProxyAction
from buurthulp.errors import NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts.models import Post, PostKind
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_initiative, make_neighbour


def _english(*people):
    for person in people:
        person.locale = "en"
    db.session.commit()


def _urls(aw, on=None):
    base = f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}/activities"
    day = f"{base}/{aw.coffee.id}/{(on or aw.first).isoformat()}"
    return base, day


def _log(aw):
    return db.session.execute(sa.select(BrokerAction.action, BrokerAction.broker_id).where(
        BrokerAction.neighbour_id == aw.jansen.id).order_by(BrokerAction.id)).all()


def test_a_broker_signs_up_mevrouw_jansen_and_arranges_her_lift(aw, client):
    _english(aw.broker)
    base, day = _urls(aw)
    client.login("broker@example.org")
    neighbour_page = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}").get_data(as_text=True)
    assert f'href="{base}"' in neighbour_page and "Activities for Mevrouw Jansen" in neighbour_page

    page = client.get(base).get_data(as_text=True)
    assert "Koffieochtend" in page and "Buurthuis De Schakel" in page
    assert f'action="{day}/join"' in page and f'action="{day}/lift"' not in page

    response = client.post(f"{day}/join")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{base}#date-{aw.coffee.id}-{aw.first.isoformat()}")
    signup = signups.signup_of(db.session, aw.coffee, aw.first, aw.jansen.id)
    assert signup.status == SignupStatus.COMING and signup.signed_up_by_id == aw.broker.id
    page = client.get(base).get_data(as_text=True)
    assert "Mevrouw Jansen is signed up for Koffieochtend" in page  # the flash
    assert "Mevrouw Jansen is coming." in page and f'action="{day}/lift"' in page

    assert client.post(f"{day}/lift").status_code == 302
    assert client.post(f"{day}/lift").status_code == 302  # twice: still one ask, logged once
    (ask,) = db.session.scalars(sa.select(Post).where(Post.author_id == aw.jansen.id)).all()
    assert (ask.kind, ask.activity_id, ask.activity_on) == (PostKind.ASK, aw.coffee.id, aw.first)
    page = client.get(base).get_data(as_text=True)
    assert "Lift: asked, no lift yet." in page and f'action="{day}/lift"' not in page

    assert _log(aw) == [(ProxyAction.SIGNED_UP, aw.broker.id), (ProxyAction.LIFT_ASKED, aw.broker.id)]
    neighbour_page = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}").get_data(as_text=True)
    assert "Signed them up for an activity" in neighbour_page
    assert "Asked for a lift to an activity for them" in neighbour_page

    # the print-out: the date with its time and place, and no lift yet
    printed = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}/print").get_data(as_text=True)
    assert "Activities you are going to" in printed and "Koffieochtend" in printed
    assert "10:00 to 12:00" in printed and "Buurthuis De Schakel, Amsterdamsestraatweg 1" in printed
    assert "Lift: no lift yet." in printed

    # Bert can take her: once both said yes, the print-out names him
    match = match_flow.respond(db.session, aw.bert, ask)
    match_flow.accept(db.session, aw.jansen, match)
    db.session.commit()
    printed = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}/print").get_data(as_text=True)
    assert "Lift: Bert takes you along." in printed
    assert "Lift: Bert takes them along." in client.get(base).get_data(as_text=True)

    # signing her off again is logged too, and the date leaves the print-out
    assert client.post(f"{day}/leave").status_code == 302
    assert signups.signup_of(db.session, aw.coffee, aw.first, aw.jansen.id) is None
    assert _log(aw)[-1] == (ProxyAction.SIGNED_OFF, aw.broker.id)
    printed = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}/print").get_data(as_text=True)
    assert "Lift:" not in printed


def test_a_full_date_puts_her_on_the_waiting_list_and_the_print_out_says_so(aw, client):
    _english(aw.broker)
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    signups.join(db.session, aw.bert, aw.coffee, aw.first)
    db.session.commit()
    base, day = _urls(aw)
    client.login("broker@example.org")
    assert "Put Mevrouw Jansen on the waiting list" in client.get(base).get_data(as_text=True)
    client.post(f"{day}/join")
    assert signups.signup_of(db.session, aw.coffee, aw.first, aw.jansen.id).status == SignupStatus.WAITING
    printed = client.get(f"/broker/{aw.kracht.slug}/neighbours/{aw.jansen.id}/print").get_data(as_text=True)
    assert "You are on the waiting list" in printed


def test_a_refusal_is_said_on_the_list(aw, client):
    _english(aw.broker)
    base, day = _urls(aw)
    client.login("broker@example.org")
    response = client.post(f"{day}/lift")  # not signed up yet
    assert response.status_code == 302
    assert "Sign them up for this date first" in client.get(base).get_data(as_text=True)
    assert client.post(f"{_urls(aw, aw.first + timedelta(days=1))[1]}/join").status_code == 404  # not a date of it
    assert client.post(f"{day}/join", csrf=False).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivitySignup)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("who,status", [("coordinator", 403), ("anna", 403), ("treasurer", 403), ("admin", 403)])
def test_only_her_brokers_open_the_page_or_sign_her_up(aw, client, who, status):
    base, day = _urls(aw)
    client.login(f"{who}@example.org")
    assert client.get(base).status_code == status
    assert client.post(f"{day}/join").status_code == status
    assert client.post(f"{day}/lift").status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivitySignup)) == 0


def test_another_initiatives_broker_gets_404_and_cannot_sign_her_up(aw, client):
    other = make_initiative(aw.zuilen, name="Zorgcoöperatie Zuilen")
    stranger = make_neighbour(aw.zuilen, email="other-broker@example.org", name="Els")
    add_member(other, stranger, Role.BROKER)
    db.session.commit()
    client.login("other-broker@example.org")
    base = f"/broker/{other.slug}/neighbours/{aw.jansen.id}/activities"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/{aw.coffee.id}/{aw.first.isoformat()}/join").status_code == 404
    assert client.get(_urls(aw)[0]).status_code == 403  # not a broker of Kracht
    with pytest.raises(NotAllowed):
        for_proxy.join_for(db.session, stranger, other, aw.jansen, aw.coffee, aw.first)
    with pytest.raises(NotAllowed):
        lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first, by=stranger)


def test_the_list_takes_the_same_number_of_queries_for_many_activities(aw, count_queries, app):
    def queries():
        db.session.expire_all()
        with count_queries() as q:
            rows = for_proxy.dates_to_join(db.session, aw.jansen, local_today())
        return q.count, len(rows)

    signups.join(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    db.session.commit()
    few = queries()
    for i in range(5):
        services.put_on(db.session, aw.otto, services.ActivityInput(
            title=f"Wandeling {i}", kind=aw.coffee.kind, starts_on=aw.first + timedelta(days=i),
            start_time=aw.coffee.start_time, place_note="Bij de kerk"))
    signups.join(db.session, aw.jansen, aw.coffee, aw.first + timedelta(days=7), by=aw.broker)
    lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first + timedelta(days=7), by=aw.broker)
    db.session.commit()
    many = queries()
    assert many[1] > few[1]
    assert many[0] == few[0]
