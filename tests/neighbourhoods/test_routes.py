"""Initiative pages: the list, joining, and coordinators deciding requests and giving roles."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import ROLE_LABELS, Membership, MembershipStatus, Role
from tests.factories import add_member, add_request, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once

KRACHT = "/initiatives/kracht-van-zuilen"


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default app shows it (Dutch once the nl catalogue has it), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **variables)))


def role_label(role: Role) -> str:
    with force_locale("nl"):
        return str(ROLE_LABELS[role])


def text(response) -> str:
    return response.get_data(as_text=True)


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login"


def goes_to(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == path


def fresh(membership_id: int) -> Membership | None:
    db.session.expire_all()
    return db.session.get(Membership, membership_id)


@pytest.fixture
def world(app):
    return built_once("neighbourhood pages", build_world)


def build_world():
    """Kracht van Zuilen works in Zuilen (Ondiep lies next to it); Buurtwinkel works in far Everdingen."""
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    everdingen = make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden")
    kracht = make_initiative(zuilen, name="Kracht van Zuilen")
    winkel = make_initiative(everdingen, name="Buurtwinkel Everdingen")

    def person(key, hood, name):
        return make_neighbour(hood, email=f"{key}@example.org", name=name)

    w = SimpleNamespace(kracht=kracht, winkel=winkel, zuilen=zuilen)
    w.coordinator = person("coordinator", zuilen, "Ria")
    w.coordinator_m = add_member(kracht, w.coordinator, Role.COORDINATOR)
    w.member = person("member", zuilen, "Henk")
    w.member_m = add_member(kracht, w.member)
    w.broker = person("broker", zuilen, "Ahmed")
    add_member(kracht, w.broker, Role.BROKER)
    w.treasurer = person("treasurer", zuilen, "Els")
    add_member(kracht, w.treasurer, Role.TREASURER)
    w.other_coordinator = person("other_coordinator", everdingen, "Annie")
    add_member(winkel, w.other_coordinator, Role.COORDINATOR)
    w.admin = make_neighbour(everdingen, email="admin@example.org", name="Beheer", is_admin=True)
    w.requester = person("requester", zuilen, "Fatima")
    w.request = add_request(kracht, w.requester)
    w.newcomer = person("newcomer", zuilen, "Mieke")
    w.next_door = person("next_door", ondiep, "Joost")
    w.far = person("far", everdingen, "Gerrit")
    w.winkel_request = add_request(winkel, person("winkel_requester", everdingen, "Kees"))
    w.winkel_member = add_member(winkel, person("winkel_member", everdingen, "Sanne"))
    db.session.commit()
    return w


def log_in(client, world, who: str):
    if who != "anonymous":
        client.login(f"{who}@example.org")


# --- the list of initiatives --------------------------------------------------------------------

def test_initiatives_need_a_login(client, world):
    assert goes_to_login(client.get("/initiatives"))
    assert goes_to_login(client.get(KRACHT))


def test_the_list_shows_initiatives_of_ones_own_neighbourhood(client, world):
    client.login("newcomer@example.org")
    response = client.get("/initiatives")
    page = text(response)
    assert response.status_code == 200
    assert 'lang="nl"' in page
    assert "Kracht van Zuilen" in page
    assert "Buurtwinkel Everdingen" not in page
    assert f'action="{KRACHT}/join"' in page
    assert nl("Ask to join %(name)s", name="Kracht van Zuilen") in page


def test_the_list_shows_ones_roles_and_open_requests(client, make_client, world):
    client.login("broker@example.org")
    page = text(client.get("/initiatives"))
    assert nl("You are a member") in page
    assert f"{role_label(Role.MEMBER)}, {role_label(Role.BROKER)}" in page
    assert f'action="{KRACHT}/join"' not in page

    other = make_client()
    other.login("requester@example.org")
    page = text(other.get("/initiatives"))
    assert nl("Your request to join is waiting for a coordinator.") in page
    assert f'action="{KRACHT}/join"' not in page


def test_without_a_neighbourhood_the_list_asks_to_choose_one(client, world):
    make_neighbour(None, email="nowhere@example.org")
    db.session.commit()
    client.login("nowhere@example.org")
    response = client.get("/initiatives")
    assert response.status_code == 200
    assert nl("Choose your neighbourhood on your profile first.") in text(response)
    assert "Kracht van Zuilen" not in text(response)


# --- the initiative page ------------------------------------------------------------------------

def test_the_page_offers_joining_to_neighbours_of_the_neighbourhood(client, world):
    client.login("newcomer@example.org")
    response = client.get(KRACHT)
    assert response.status_code == 200
    assert "Kracht van Zuilen" in text(response)
    assert f'action="{KRACHT}/join"' in text(response)


@pytest.mark.parametrize("who", ["far", "next_door"])
def test_the_page_offers_no_joining_to_other_neighbourhoods(client, world, who):
    client.login(f"{who}@example.org")
    response = client.get(KRACHT)
    assert response.status_code == 200
    assert f'action="{KRACHT}/join"' not in text(response)


@pytest.mark.parametrize("who", ["member", "broker", "treasurer", "other_coordinator"])
def test_only_managers_see_requests_and_members(client, world, who):
    client.login(f"{who}@example.org")
    page = text(client.get(KRACHT))
    assert "Fatima" not in page
    assert f"{KRACHT}/requests/" not in page
    assert f'action="{KRACHT}/roles"' not in page


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_managers_see_requests_and_members(client, world, who):
    client.login(f"{who}@example.org")
    page = text(client.get(KRACHT))
    assert f'action="{KRACHT}/requests/{world.request.id}"' in page
    assert nl("Approve %(name)s", name="Fatima") in page
    assert nl("Save roles of %(name)s", name="Henk") in page
    assert f'value="{world.member_m.id}"' in page
    assert "Sanne" not in page  # a member of the other initiative


def test_an_unknown_initiative_is_not_found(client, world):
    client.login("newcomer@example.org")
    assert client.get("/initiatives/no-such-initiative").status_code == 404
    assert client.post("/initiatives/no-such-initiative/join").status_code == 404


# --- joining ------------------------------------------------------------------------------------

def test_a_neighbour_of_the_neighbourhood_asks_to_join(client, world, outbox):
    client.login("newcomer@example.org")
    response = client.post(f"{KRACHT}/join")
    assert goes_to(response, KRACHT)

    m = db.session.scalar(sa.select(Membership).where(Membership.neighbour_id == world.newcomer.id))
    assert m.status == MembershipStatus.PENDING
    assert [mail["To"] for mail in outbox()] == ["coordinator@example.org"]

    page = text(client.get(KRACHT))
    assert nl("Your request is sent. A coordinator of %(name)s will look at it soon.", name="Kracht van Zuilen") in page
    assert nl("Your request to join is waiting for a coordinator.") in page


@pytest.mark.parametrize("who", ["far", "next_door"])
def test_a_neighbour_of_another_neighbourhood_cannot_join(client, world, outbox, who):
    client.login(f"{who}@example.org")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))
    response = client.post(f"{KRACHT}/join")

    assert response.status_code == 403
    assert nl("You can join initiatives that work in your own neighbourhood.") in text(response)
    assert 'lang="nl"' in text(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == before
    assert outbox() == []


@pytest.mark.parametrize("who", ["member", "coordinator", "requester"])
def test_members_and_those_who_asked_cannot_ask_again(client, world, outbox, who):
    client.login(f"{who}@example.org")
    response = client.post(f"{KRACHT}/join")
    assert response.status_code == 400
    assert nl("You have already asked to join this initiative.") in text(response)
    assert outbox() == []


def test_joining_needs_a_login(client, world):
    assert goes_to_login(client.post(f"{KRACHT}/join"))
    assert db.session.scalar(sa.select(Membership).where(Membership.neighbour_id == world.newcomer.id)) is None


def test_joining_without_csrf_token_is_refused(client, world):
    client.login("newcomer@example.org")
    assert client.post(f"{KRACHT}/join", csrf=False).status_code == 400
    assert db.session.scalar(sa.select(Membership).where(Membership.neighbour_id == world.newcomer.id)) is None


# --- deciding requests --------------------------------------------------------------------------

MANAGE_MATRIX = [
    ("anonymous", "login"),
    ("member", 403),
    ("broker", 403),
    ("treasurer", 403),
    ("other_coordinator", 403),
    ("coordinator", "ok"),
    ("admin", "ok"),
]


@pytest.mark.parametrize("who, outcome", MANAGE_MATRIX)
def test_who_may_approve_a_request(client, world, outbox, who, outcome):
    log_in(client, world, who)
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "approve"})

    if outcome == "login":
        assert goes_to_login(response)
    elif outcome == 403:
        assert response.status_code == 403
    else:
        assert goes_to(response, KRACHT)
    approved = outcome == "ok"
    m = fresh(world.request.id)
    assert m.status == (MembershipStatus.ACTIVE if approved else MembershipStatus.PENDING)
    assert [mail["To"] for mail in outbox()] == (["requester@example.org"] if approved else [])


@pytest.mark.parametrize("who, outcome", MANAGE_MATRIX)
def test_who_may_decline_a_request(client, world, who, outcome):
    log_in(client, world, who)
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "decline"})
    if outcome == "login":
        assert goes_to_login(response)
    elif outcome == 403:
        assert response.status_code == 403
    else:
        assert goes_to(response, KRACHT)
    expected = MembershipStatus.DECLINED if outcome == "ok" else MembershipStatus.PENDING
    assert fresh(world.request.id).status == expected


def test_approving_shows_the_new_member(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "approve"}, follow_redirects=True)
    page = text(response)
    assert nl("%(name)s is now a member.", name="Fatima") in page
    assert nl("Save roles of %(name)s", name="Fatima") in page
    assert f"{KRACHT}/requests/{world.request.id}" not in page


def test_declining_says_so_and_removes_the_request(client, world, outbox):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "decline"}, follow_redirects=True)
    page = text(response)
    assert nl("The request of %(name)s is declined.", name="Fatima") in page
    assert f"{KRACHT}/requests/{world.request.id}" not in page
    assert outbox() == []


def test_a_request_is_decided_only_once(client, world):
    client.login("coordinator@example.org")
    client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "decline"})
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "approve"})
    assert response.status_code == 400
    assert nl("This request has already been handled.") in text(response)
    assert fresh(world.request.id).status == MembershipStatus.DECLINED


def test_a_request_of_another_initiative_is_not_found(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/requests/{world.winkel_request.id}", {"decision": "approve"})
    assert response.status_code == 404
    assert fresh(world.winkel_request.id).status == MembershipStatus.PENDING
    assert client.post(f"{KRACHT}/requests/999999", {"decision": "approve"}).status_code == 404
    assert client.post(f"{KRACHT}/requests/abc", {"decision": "approve"}).status_code == 404


def test_deciding_without_csrf_token_is_refused(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/requests/{world.request.id}", {"decision": "approve"}, csrf=False)
    assert response.status_code == 400
    assert fresh(world.request.id).status == MembershipStatus.PENDING


# --- setting roles ------------------------------------------------------------------------------

@pytest.mark.parametrize("who, outcome", MANAGE_MATRIX)
def test_who_may_set_roles(client, world, who, outcome):
    log_in(client, world, who)
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.member_m.id, "roles": ["broker", "treasurer"]})

    if outcome == "login":
        assert goes_to_login(response)
    elif outcome == 403:
        assert response.status_code == 403
    else:
        assert goes_to(response, KRACHT)
    expected = [Role.MEMBER, Role.BROKER, Role.TREASURER] if outcome == "ok" else [Role.MEMBER]
    assert fresh(world.member_m.id).roles == expected


def test_the_coordinator_sees_the_saved_roles(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.member_m.id, "roles": ["coordinator"]},
                           follow_redirects=True)
    assert nl("The roles of %(name)s are saved.", name="Henk") in text(response)
    assert f'id="roles-{world.member_m.id}-coordinator" checked' in " ".join(text(response).split())
    assert fresh(world.member_m.id).roles == [Role.MEMBER, Role.COORDINATOR]


def test_no_boxes_ticked_takes_every_extra_role(client, world):
    broker_m = db.session.scalar(sa.select(Membership).where(Membership.neighbour_id == world.broker.id))
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": broker_m.id})
    assert goes_to(response, KRACHT)
    assert fresh(broker_m.id).roles == [Role.MEMBER]


def test_the_last_coordinator_cannot_drop_the_role(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.coordinator_m.id, "roles": ["broker"]})
    assert response.status_code == 400
    assert nl("An initiative needs at least one coordinator. Make someone else coordinator first.") in text(response)
    assert fresh(world.coordinator_m.id).roles == [Role.MEMBER, Role.COORDINATOR]


def test_a_site_admin_may_remove_the_last_coordinator(client, world):
    client.login("admin@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.coordinator_m.id})
    assert goes_to(response, KRACHT)
    assert fresh(world.coordinator_m.id).roles == [Role.MEMBER]


def test_roles_for_a_pending_request_are_refused(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.request.id, "roles": ["broker"]})
    assert response.status_code == 400
    assert nl("Approve the request before giving roles.") in text(response)
    assert fresh(world.request.id).is_broker is False


@pytest.mark.parametrize("roles", [["member"], ["king"], ["broker", "admin"]])
def test_unknown_roles_are_refused(client, world, roles):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.member_m.id, "roles": roles})
    assert response.status_code == 400
    assert fresh(world.member_m.id).roles == [Role.MEMBER]


@pytest.mark.parametrize("membership_id", ["abc", "", "1.5", "1 OR 1=1", None])
def test_a_membership_id_that_is_not_a_number_is_a_bad_request(client, world, membership_id):
    client.login("coordinator@example.org")
    data = {"roles": ["broker"]}
    if membership_id is not None:
        data["membership_id"] = membership_id
    assert client.post(f"{KRACHT}/roles", data).status_code == 400


def test_a_membership_of_another_initiative_is_not_found(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.winkel_member.id, "roles": ["coordinator"]})
    assert response.status_code == 404
    assert fresh(world.winkel_member.id).roles == [Role.MEMBER]
    assert client.post(f"{KRACHT}/roles", {"membership_id": 999999, "roles": ["broker"]}).status_code == 404


def test_setting_roles_without_csrf_token_is_refused(client, world):
    client.login("coordinator@example.org")
    response = client.post(f"{KRACHT}/roles", {"membership_id": world.member_m.id, "roles": ["broker"]}, csrf=False)
    assert response.status_code == 400
    assert fresh(world.member_m.id).roles == [Role.MEMBER]


# --- what the coordinator's page shows, and what it costs ---------------------------------------

def test_names_are_escaped_on_the_coordinators_page(client, world):
    evil = make_neighbour(world.zuilen, name="<script>alert('x')</script>")
    add_request(world.kracht, evil)
    bold = make_neighbour(world.zuilen, name="<b>Vet</b>")
    add_member(world.kracht, bold)
    db.session.commit()

    client.login("coordinator@example.org")
    page = text(client.get(KRACHT))
    assert "<script>alert(" not in page
    assert "<b>Vet</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Vet&lt;/b&gt;" in page


def test_the_coordinators_page_runs_a_constant_number_of_queries(client, app, count_queries):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ria = make_neighbour(zuilen, email="ria@example.org")
    counts = {}
    for size in (2, 20):
        ini = make_initiative(zuilen, name=f"Initiatief met {size}")
        add_member(ini, ria, Role.COORDINATOR)
        for i in range(size):
            add_member(ini, make_neighbour(zuilen), *([Role.BROKER] if i % 3 == 0 else []))
            add_request(ini, make_neighbour(zuilen))
        counts[size] = ini.slug
    db.session.commit()
    client.login("ria@example.org")

    queries = {}
    for size, slug in counts.items():
        db.session.expunge_all()  # each request starts with an empty session, as in production
        with count_queries() as q:
            response = client.get(f"/initiatives/{slug}")
        assert response.status_code == 200
        assert text(response).count('name="membership_id"') == size + 1
        queries[size] = q.count
    assert queries[2] == queries[20], queries
