"""Starting, proposing and ending a circle; inviting by link, by mail and from warm contacts; members."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import invitations, services
from buurthulp.circles.models import (
    Circle,
    CircleInvite,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from tests.conftest import IS_SQLITE, link_in, mail_text
from tests.factories import make_neighbour
from tests.posts.conftest import post_input

EVIL = "<script>alert(1)</script>"


def login(client, role: str):
    return client.login(f"{role}@example.org")


def circles_around(person) -> list[Circle]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Circle).where(Circle.centre_id == person.id).order_by(Circle.id)))


def member_row(circle, person) -> CircleMember | None:
    db.session.expire_all()
    return access.membership(db.session, db.session.get(Neighbour, person.id), db.session.get(Circle, circle.id))


def helped(asker, helper):
    """Done help between two neighbours: a warm contact."""
    ask = posts.create_post(db.session, asker, post_input(title="Lamp ophangen"))
    match = match_flow.respond(db.session, helper, ask)
    match_flow.accept(db.session, asker, match)
    match_flow.mark_done(db.session, helper, match, 60)
    match_flow.confirm_done(db.session, asker, match)
    db.session.commit()
    return match


def mails_to(outbox, address: str) -> list:
    """The circles' mails to an address (help between neighbours mails too)."""
    return [m for m in outbox() if m["To"] == address and "/circles/" in mail_text(m)]


# --- starting -----------------------------------------------------------------------------------

def test_start_a_circle_around_yourself(client, cw):
    login(client, "karin")
    page = client.get("/circles/start")
    assert page.status_code == 200 and 'value="me"' in page.get_data(as_text=True)
    response = client.post("/circles/start", {"centre": "me", "about": "Zodat ik hulp heb"})
    assert response.status_code == 302
    [circle] = circles_around(cw.karin)
    assert response.headers["Location"].endswith(f"/circles/{circle.id}")
    assert circle.status == CircleStatus.ACTIVE and circle.started_by_id == cw.karin.id
    assert circle.initiative_id == cw.winkel.id  # Everdingen's initiative, which has a broker
    centre = member_row(circle, cw.karin)
    assert (centre.role, centre.status) == (MemberRole.CENTRE, MemberStatus.ACTIVE)
    assert client.get(f"/circles/{circle.id}").status_code == 200
    assert access.may_lead_circle(db.session, cw.far_broker, circle)


def test_initiative_without_a_broker_is_none(cw):
    lonely = make_neighbour(cw.everdingen, email="lonely@example.org")
    db.session.execute(sa.text("DELETE FROM membership WHERE initiative_id = :i"), {"i": cw.winkel.id})
    circle = services.start_own_circle(db.session, lonely)
    assert circle.initiative_id is None


def test_one_active_circle_per_centre(client, cw):
    with pytest.raises(DomainError):
        services.start_own_circle(db.session, cw.annie)
    db.session.rollback()
    login(client, "annie")
    assert 'value="me"' not in client.get("/circles/start").get_data(as_text=True)
    assert client.post("/circles/start", {"centre": "me"}).status_code == 400
    assert len(circles_around(cw.annie)) == 1


def test_a_broker_starts_a_circle_for_a_proxy_neighbour(client, cw):
    login(client, "broker")
    choice = f"proxy-{cw.kracht.id}-{cw.jansen.id}"
    assert choice in client.get("/circles/start").get_data(as_text=True)
    response = client.post("/circles/start", {"centre": choice, "about": "Voor mevrouw Jansen"})
    assert response.status_code == 302
    [circle] = circles_around(cw.jansen)
    assert (circle.status, circle.initiative_id, circle.started_by_id) == (CircleStatus.ACTIVE, cw.kracht.id,
                                                                           cw.broker.id)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Mevrouw Jansen" in page and f'action="/circles/{circle.id}/end"' in page
    # a second one is refused, and the proxy is no longer offered
    assert choice not in client.get("/circles/start").get_data(as_text=True)
    with pytest.raises(DomainError):
        services.start_for_proxy(db.session, cw.broker, cw.kracht, cw.jansen)


def test_another_initiatives_broker_cannot_start_for_our_proxy(client, cw):
    with pytest.raises(NotAllowed):
        services.start_for_proxy(db.session, cw.other_broker, cw.kracht, cw.jansen)
    db.session.rollback()
    login(client, "other_broker")
    choice = f"proxy-{cw.kracht.id}-{cw.jansen.id}"
    assert choice not in client.get("/circles/start").get_data(as_text=True)
    assert client.post("/circles/start", {"centre": choice}).status_code == 400
    assert circles_around(cw.jansen) == []


def test_propose_a_circle_and_say_yes(client, make_client, cw, outbox):
    login(client, "ria")
    url = f"/circles/start?neighbour={cw.joost.id}"
    assert f"person-{cw.joost.id}" in client.get(url).get_data(as_text=True)
    response = client.post(url, {"centre": f"person-{cw.joost.id}", "about": EVIL})
    assert response.status_code == 302 and response.headers["Location"].endswith("/circles/")
    [circle] = circles_around(cw.joost)
    assert circle.status == CircleStatus.PROPOSED
    assert member_row(circle, cw.ria).status == MemberStatus.ACTIVE
    assert member_row(circle, cw.joost).status == MemberStatus.INVITED
    [mail] = mails_to(outbox, "joost@example.org")
    assert "Ria" in mail["Subject"] and "/circles/" in mail_text(mail)
    # Joost sees it on his page, the about text escaped, and says yes
    joost = make_client()
    login(joost, "joost")
    page = joost.get("/circles/").get_data(as_text=True)
    assert f'action="/circles/{circle.id}/proposal"' in page and EVIL not in page and "&lt;script&gt;" in page
    assert joost.get(f"/circles/{circle.id}").status_code == 404  # not before he said yes
    assert joost.post(f"/circles/{circle.id}/proposal", {"answer": "maybe"}).status_code == 400
    assert joost.post(f"/circles/{circle.id}/proposal", {"answer": "yes"}).status_code == 302
    [circle] = circles_around(cw.joost)
    assert circle.status == CircleStatus.ACTIVE
    assert member_row(circle, cw.joost).status == MemberStatus.ACTIVE
    assert joost.get(f"/circles/{circle.id}").status_code == 200
    assert access.may_lead_circle(db.session, cw.joost, circle)
    assert not access.may_lead_circle(db.session, cw.ria, circle)


def test_propose_and_say_no(client, make_client, cw):
    login(client, "ria")
    client.post(f"/circles/start?neighbour={cw.joost.id}", {"centre": f"person-{cw.joost.id}"})
    [circle] = circles_around(cw.joost)
    joost = make_client()
    login(joost, "joost")
    assert joost.post(f"/circles/{circle.id}/proposal", {"answer": "no"}).status_code == 302
    assert circles_around(cw.joost) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CircleMember).where(
        CircleMember.circle_id == circle.id)) == 0  # nothing of the proposal is kept
    # Ria cannot answer for him
    client.post(f"/circles/start?neighbour={cw.joost.id}", {"centre": f"person-{cw.joost.id}"})
    [circle] = circles_around(cw.joost)
    assert client.post(f"/circles/{circle.id}/proposal", {"answer": "yes"}).status_code == 404


def test_propose_only_for_someone_you_can_see(client, cw):
    with pytest.raises(NotAllowed):
        services.propose_circle(db.session, cw.karin, cw.joost)
    db.session.rollback()
    login(client, "karin")
    url = f"/circles/start?neighbour={cw.joost.id}"
    assert f"person-{cw.joost.id}" not in client.get(url).get_data(as_text=True)
    assert client.post(url, {"centre": f"person-{cw.joost.id}"}).status_code == 400
    assert circles_around(cw.joost) == []
    # not around someone who has a circle already, and not a second proposal
    with pytest.raises(DomainError):
        services.propose_circle(db.session, cw.ria, cw.annie)
    db.session.rollback()
    services.propose_circle(db.session, cw.ria, cw.joost)
    with pytest.raises(DomainError):
        services.propose_circle(db.session, cw.treasurer, cw.joost)


def test_starting_your_own_withdraws_a_proposal(cw):
    services.propose_circle(db.session, cw.ria, cw.joost)
    db.session.commit()
    services.start_own_circle(db.session, cw.joost)
    db.session.commit()
    assert [c.status for c in circles_around(cw.joost)] == [CircleStatus.ACTIVE]


@pytest.mark.parametrize("bad", ["", "person-abc", "proxy-1", "me-too", "x" * 300])
def test_bad_start_input_is_a_400(client, cw, bad):
    login(client, "karin")
    response = client.post("/circles/start", {"centre": bad})
    assert response.status_code == 400
    assert circles_around(cw.karin) == []


def test_end_the_circle(client, cw, outbox):
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/end", {}).status_code == 403
    client.logout()
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/end", {}, csrf=False).status_code == 400
    assert client.post(f"/circles/{cw.circle.id}/end", {}).status_code == 302
    db.session.expire_all()
    circle = db.session.get(Circle, cw.circle.id)
    assert circle.status == CircleStatus.ENDED and circle.ended_at is not None
    assert [m["To"] for m in outbox()] == ["ria@example.org"]
    # the page says so and offers nothing to change; starting a new one is possible again
    page = client.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert f"/circles/{cw.circle.id}/invite/link" not in page
    assert client.post(f"/circles/{cw.circle.id}/end", {}).status_code == 403
    assert client.post("/circles/start", {"centre": "me"}).status_code == 302


# --- invitation links ---------------------------------------------------------------------------

def _make_link(client, circle_id: int) -> str:
    assert client.post(f"/circles/{circle_id}/invite/link", {}).status_code == 302
    page = client.get(f"/circles/{circle_id}").get_data(as_text=True)
    return "/" + re.findall(r'value="https?://[^/]+/(circles/join/[^"]+)"', page)[0]


def test_join_with_a_link_from_another_city(client, make_client, cw, outbox):
    login(client, "annie")
    link = _make_link(client, cw.circle.id)
    karin = make_client()
    login(karin, "karin")
    landing = karin.get(link)
    text = landing.get_data(as_text=True)
    assert landing.status_code == 200
    assert "Annie" in text and "Ria" in text and "Joost" not in text  # who is in it, not who is invited
    assert karin.post(link, {"answer": "yes"}).status_code == 302
    member = member_row(cw.circle, cw.karin)
    assert member.status == MemberStatus.REQUESTED
    invite = db.session.scalar(sa.select(CircleInvite).where(CircleInvite.circle_id == cw.circle.id))
    assert invite.used_by_id == cw.karin.id and invite.used_at is not None
    assert karin.get(f"/circles/{cw.circle.id}").status_code == 404  # not before she is let in
    # used once: the next person gets a clear message
    other = make_client()
    login(other, "treasurer")
    refused = other.get(link)
    assert refused.status_code == 404 and "Vraag om een nieuwe." in refused.get_data(as_text=True)
    # Annie lets her in; Karin gets a welcome
    assert client.post(f"/circles/{cw.circle.id}/members/{member.id}", {"action": "approve"}).status_code == 302
    assert member_row(cw.circle, cw.karin).status == MemberStatus.ACTIVE
    [welcome] = mails_to(outbox, "karin@example.org")
    assert f"/circles/{cw.circle.id}" in mail_text(welcome)
    assert karin.get(f"/circles/{cw.circle.id}").status_code == 200


def test_no_thanks_stores_nothing(client, make_client, cw):
    login(client, "annie")
    link = _make_link(client, cw.circle.id)
    karin = make_client()
    login(karin, "karin")
    assert karin.post(link, {"answer": "no"}).status_code == 302
    assert member_row(cw.circle, cw.karin) is None
    assert karin.get(link).status_code == 200  # still works for the person it was meant for


def test_an_invited_neighbour_joins_at_once_with_a_link(client, make_client, cw):
    login(client, "annie")
    link = _make_link(client, cw.circle.id)
    joost = make_client()
    login(joost, "joost")
    assert joost.post(link, {"answer": "yes"}).status_code == 302
    assert member_row(cw.circle, cw.joost).status == MemberStatus.ACTIVE


def test_links_expire_and_bad_links_say_so(client, app, cw):
    invite = invitations.make_invite(db.session, cw.annie, cw.circle)
    token = invitations.invite_token(invite)
    invite.created_at = utcnow() - timedelta(days=app.config["CIRCLE_INVITE_MAX_AGE_DAYS"], minutes=1)
    db.session.commit()
    login(client, "karin")
    expired = client.get(f"/circles/join/{token}")
    assert expired.status_code == 404 and "te oud" in expired.get_data(as_text=True)
    for bad in (token[:-3] + "abc", "nonsense", "%3Cscript%3E"):
        response = client.get(f"/circles/join/{bad}")
        assert response.status_code == 404
        assert "<script>" not in response.get_data(as_text=True)
    assert client.post(f"/circles/join/{token}", {"answer": "yes"}).status_code == 404
    assert member_row(cw.circle, cw.karin) is None


def test_a_link_of_an_ended_circle_does_not_work(client, cw):
    token = invitations.invite_token(invitations.make_invite(db.session, cw.annie, cw.circle))
    services.end_circle(db.session, cw.annie, cw.circle)
    db.session.commit()
    login(client, "karin")
    assert client.get(f"/circles/join/{token}").status_code == 404


def test_a_link_needs_an_account(client, cw):
    token = invitations.invite_token(invitations.make_invite(db.session, cw.annie, cw.circle))
    db.session.commit()
    response = client.get(f"/circles/join/{token}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_the_leaders_make_links(cw):
    for person in (cw.ria, cw.joost, cw.other_broker, cw.admin):
        with pytest.raises(NotAllowed):
            invitations.make_invite(db.session, person, cw.circle)
    assert invitations.make_invite(db.session, cw.broker, cw.circle).created_by_id == cw.broker.id


def test_invite_by_mail(client, make_client, cw, outbox):
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/invite/mail", {"email": "not an address"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CircleInvite)) == 0
    response = client.post(f"/circles/{cw.circle.id}/invite/mail", {"email": "dochter@example.com"})
    assert response.status_code == 302
    [mail] = mails_to(outbox, "dochter@example.com")
    assert "Annie" in mail["Subject"]
    link = link_in(mail, "/circles/join/")
    karin = make_client()
    login(karin, "karin")
    assert "Ria" in karin.get(link).get_data(as_text=True)


# --- inviting neighbours one knows from help ----------------------------------------------------

def test_invite_warm_contacts(client, make_client, cw, outbox):
    helped(cw.annie, cw.treasurer)
    assert [n.id for n in invitations.warm_contacts(db.session, cw.annie, cw.circle)] == [cw.treasurer.id]
    login(client, "annie")
    page = client.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert f'value="{cw.treasurer.id}"' in page
    # someone who is not a warm contact cannot be slipped in
    assert client.post(f"/circles/{cw.circle.id}/invite/neighbours",
                       {"neighbours": str(cw.karin.id)}).status_code == 400
    assert client.post(f"/circles/{cw.circle.id}/invite/neighbours",
                       {"neighbours": str(cw.treasurer.id)}).status_code == 302
    assert member_row(cw.circle, cw.treasurer).status == MemberStatus.INVITED
    [mail] = mails_to(outbox, "treasurer@example.org")
    assert "/circles/" in mail_text(mail)
    treasurer = make_client()
    login(treasurer, "treasurer")
    page = treasurer.get("/circles/").get_data(as_text=True)
    assert "Annie" in page and "Ria" in page and f"/circles/{cw.circle.id}/invitation" in page
    assert treasurer.post(f"/circles/{cw.circle.id}/invitation", {"answer": "yes"}).status_code == 302
    assert member_row(cw.circle, cw.treasurer).status == MemberStatus.ACTIVE
    assert len(mails_to(outbox, "treasurer@example.org")) == 2  # the invitation and the welcome
    assert invitations.warm_contacts(db.session, cw.annie, cw.circle) == []


def test_the_broker_invites_the_centres_warm_contacts(cw):
    helped(cw.annie, cw.treasurer)
    assert [n.id for n in invitations.warm_contacts(db.session, cw.broker, cw.circle)] == [cw.treasurer.id]


def test_decline_an_invitation(client, cw):
    login(client, "joost")
    assert client.post(f"/circles/{cw.circle.id}/invitation", {"answer": "no"}).status_code == 302
    assert member_row(cw.circle, cw.joost).status == MemberStatus.LEFT
    assert client.post(f"/circles/{cw.circle.id}/invitation", {"answer": "yes"}).status_code == 404


# --- members ------------------------------------------------------------------------------------

def test_coordinator_and_remove(client, make_client, cw):
    ria = member_row(cw.circle, cw.ria)
    login(client, "broker")  # the broker acts for the centre
    url = f"/circles/{cw.circle.id}/members/{ria.id}"
    assert client.post(url, {"action": "coordinator"}).status_code == 302
    assert member_row(cw.circle, cw.ria).role == MemberRole.COORDINATOR
    assert access.may_coordinate_circle(db.session, cw.ria, cw.circle)
    assert client.post(url, {"action": "member"}).status_code == 302
    assert member_row(cw.circle, cw.ria).role == MemberRole.MEMBER
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert client.post(url, {"action": "approve"}).status_code == 400  # she did not ask
    assert client.post(url, {"action": "remove"}).status_code == 302
    assert member_row(cw.circle, cw.ria).status == MemberStatus.LEFT
    ria_client = make_client()
    login(ria_client, "ria")
    assert ria_client.get(f"/circles/{cw.circle.id}").status_code == 404


def test_the_centre_cannot_be_removed_or_leave(client, cw):
    annie = member_row(cw.circle, cw.annie)
    login(client, "broker")
    assert client.post(f"/circles/{cw.circle.id}/members/{annie.id}", {"action": "remove"}).status_code == 400
    assert client.post(f"/circles/{cw.circle.id}/members/{annie.id}", {"action": "coordinator"}).status_code == 400
    client.logout()
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/leave", {}).status_code == 400
    assert member_row(cw.circle, cw.annie).status == MemberStatus.ACTIVE


def test_a_member_of_another_circle_is_not_found(client, cw):
    other = services.start_own_circle(db.session, cw.karin)
    db.session.commit()
    karin = member_row(other, cw.karin)
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/members/{karin.id}", {"action": "remove"}).status_code == 404
    assert member_row(other, cw.karin).status == MemberStatus.ACTIVE


def test_leave(client, cw):
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/leave", {}, csrf=False).status_code == 400
    assert client.post(f"/circles/{cw.circle.id}/leave", {}).status_code == 302
    assert member_row(cw.circle, cw.ria).status == MemberStatus.LEFT


# --- pages --------------------------------------------------------------------------------------

def test_the_circle_page_says_around_whom_and_escapes(client, cw):
    cw.circle.about = EVIL
    cw.ria.display_name = "<b>Ria</b>"
    db.session.commit()
    login(client, "annie")
    page = client.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert EVIL not in page and "&lt;script&gt;" in page and "<b>Ria</b>" not in page
    for word in ("care receiver", "mantelzorger", "hulpbehoevende", "zorgvrager"):
        assert word not in page.lower()
    assert "My circles" in page or "Mijn kringen" in page  # the menu item


def test_the_menu_links_to_my_circles(client, cw):
    login(client, "treasurer")
    assert 'href="/circles/"' in client.get("/circles/").get_data(as_text=True)
    assert 'href="/circles/"' in client.get("/").get_data(as_text=True)


def test_my_circles_lists_what_waits(client, cw):
    login(client, "joost")
    page = client.get("/circles/").get_data(as_text=True)
    assert f"/circles/{cw.circle.id}/invitation" in page and "Annie" in page and "Ria" in page
    client.logout()
    login(client, "broker")
    page = client.get("/circles/").get_data(as_text=True)
    assert f'href="/circles/{cw.circle.id}"' in page  # a circle the broker looks after
    client.logout()
    login(client, "other_broker")
    assert f'href="/circles/{cw.circle.id}"' not in client.get("/circles/").get_data(as_text=True)


def test_the_rota_link_only_when_the_rota_exists(client, app, cw):
    login(client, "annie")
    page = client.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert (f"/circles/{cw.circle.id}/rota" in page) == ("circles.rota" in app.view_functions)


def test_the_circle_page_has_a_constant_number_of_queries(client, cw, count_queries):
    login(client, "annie")

    def grow_to(n: int) -> None:
        have = db.session.scalar(sa.select(sa.func.count()).select_from(CircleMember).where(
            CircleMember.circle_id == cw.circle.id))
        for i in range(have, n):
            person = make_neighbour(cw.zuilen, email=f"lid{i}@example.org", name=f"Lid {i}")
            db.session.add(CircleMember(circle_id=cw.circle.id, neighbour_id=person.id,
                                        status=MemberStatus.ACTIVE if i % 2 else MemberStatus.REQUESTED))
            helped(cw.annie, make_neighbour(cw.zuilen, email=f"warm{i}@example.org", name=f"Warm {i}"))
        db.session.commit()

    counts = []
    for n in (3, 12):
        grow_to(n)
        with count_queries() as q:
            assert client.get(f"/circles/{cw.circle.id}").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


# --- one circle per centre, also at the same moment ---------------------------------------------

@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")
def test_parallel_starts_make_one_circle(app, cw):
    from tests.pot.test_concurrency import at_once

    karin_id = cw.karin.id

    def start(i: int) -> str:
        try:
            services.start_own_circle(db.session, db.session.get(Neighbour, karin_id))
            db.session.commit()
            return "started"
        except DomainError:
            db.session.rollback()
            return "refused"

    results = at_once(app, 6, start)
    assert sorted(results) == ["refused"] * 5 + ["started"], results
    assert len(circles_around(cw.karin)) == 1


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")
def test_parallel_use_of_one_link_lets_one_in(app, cw):
    from tests.pot.test_concurrency import at_once

    people = [make_neighbour(cw.zuilen, email=f"racer{i}@example.org") for i in range(4)]
    token = invitations.invite_token(invitations.make_invite(db.session, cw.annie, cw.circle))
    db.session.commit()
    ids = [p.id for p in people]

    def join(i: int) -> str:
        try:
            invitations.join_by_link(db.session, db.session.get(Neighbour, ids[i]), token)
            db.session.commit()
            return "joined"
        except DomainError:
            db.session.rollback()
            return "refused"

    assert sorted(at_once(app, 4, join)) == ["joined"] + ["refused"] * 3
