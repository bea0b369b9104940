"""The site admin's area: who may open it, and editing neighbourhoods, initiatives, roles and admins."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, Neighbourhood, Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default app shows it (Dutch once the nl catalogue has it), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **variables)))


def text(response) -> str:
    return response.get_data(as_text=True)


def goes_to(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == path


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def hood_named(name: str) -> Neighbourhood | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Neighbourhood).where(Neighbourhood.name == name))


@pytest.fixture
def world(app):
    return built_once("admin area", build_world)


def build_world():
    zuilen = make_neighbourhood("Zuilen", ["3554", "3555"])
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    everdingen = make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden")
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    w = SimpleNamespace(zuilen=zuilen, ondiep=ondiep, everdingen=everdingen, kracht=kracht)
    w.admin = make_neighbour(zuilen, email="admin@example.org", name="Beheer", is_admin=True)
    w.neighbour = make_neighbour(zuilen, email="neighbour@example.org", name="Henk")
    for role in (Role.BROKER, Role.TREASURER, Role.COORDINATOR):
        person = make_neighbour(zuilen, email=f"{role.value}@example.org", name=role.value.capitalize())
        add_member(kracht, person, role)
    db.session.commit()
    return w


def admin_pages(world) -> list[str]:
    return ["/admin/", "/admin/neighbourhoods", "/admin/neighbourhoods/new", f"/admin/neighbourhoods/{world.zuilen.id}",
            "/admin/initiatives", "/admin/initiatives/new", f"/admin/initiatives/{world.kracht.id}",
            f"/admin/initiatives/{world.kracht.id}/roles", "/admin/neighbours"]


# --- who may open the admin area ----------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in admin_pages(world):
        response = client.get(url)
        assert goes_to(response, "/login"), url
        assert "next=" in response.headers["Location"], url
    assert goes_to(client.post(f"/admin/neighbours/{world.neighbour.id}/admin"), "/login")


@pytest.mark.parametrize("who", ["neighbour", "broker", "treasurer", "coordinator"])
def test_people_who_are_not_site_admin_are_refused(client, world, who):
    client.login(f"{who}@example.org")
    for url in admin_pages(world):
        assert client.get(url).status_code == 403, url
    attempts = [
        ("/admin/neighbourhoods/new", {"name": "X", "municipality": "Y", "postcodes": "9999"}),
        ("/admin/initiatives/new", {"name": "X", "neighbourhoods": [world.zuilen.id]}),
        (f"/admin/initiatives/{world.kracht.id}/roles", {"email": f"{who}@example.org", "role": "coordinator"}),
        (f"/admin/neighbours/{world.neighbour.id}/admin", {}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403, url
    assert count(Neighbourhood) == 3
    assert count(Initiative) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour).where(Neighbour.is_admin)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.is_coordinator)) == 1


def test_a_site_admin_opens_every_page(client, world):
    client.login("admin@example.org")
    for url in admin_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="nl"' in text(response)


def test_the_menu_shows_admin_only_to_site_admins(client, make_client, world):
    client.login("admin@example.org")
    assert 'href="/admin/"' in text(client.get("/"))
    other = make_client()
    other.login("coordinator@example.org")
    assert 'href="/admin/"' not in text(other.get("/"))


def test_the_dashboard_counts(client, world):
    client.login("admin@example.org")
    page = text(client.get("/admin/"))
    assert '<span class="figure">3</span>' in page  # neighbourhoods
    assert '<span class="figure">1</span>' in page  # initiatives
    assert '<span class="figure">5</span>' in page  # neighbours


def test_unknown_ids_are_not_found(client, world):
    client.login("admin@example.org")
    for url in ["/admin/neighbourhoods/9999", "/admin/initiatives/9999", "/admin/initiatives/9999/roles",
                "/admin/neighbours/9999/admin"]:
        method = client.post if url.endswith("/admin") else client.get
        assert method(url).status_code == 404, url


# --- neighbourhoods -----------------------------------------------------------------------------

def test_a_site_admin_adds_a_neighbourhood(client, world):
    client.login("admin@example.org")
    response = client.post("/admin/neighbourhoods/new", {
        "name": "Pijlsweerd", "municipality": "Utrecht", "postcodes": "3513, 3514 ab",
        "adjacent": [world.zuilen.id, world.ondiep.id], "centre_lat": "52.0985", "centre_lon": "5.111",
    })
    assert goes_to(response, "/admin/neighbourhoods")

    hood = hood_named("Pijlsweerd")
    assert (hood.slug, hood.municipality, hood.postcode_list) == ("pijlsweerd", "Utrecht", "3513, 3514AB")
    assert (hood.centre_lat, hood.centre_lon) == pytest.approx((52.0985, 5.111))
    assert [n.name for n in hood.adjacent] == ["Ondiep", "Zuilen"]
    assert "Pijlsweerd" in [n.name for n in hood_named("Zuilen").adjacent]
    assert services.neighbourhood_for_postcode(db.session, "3514 AB") == hood

    page = text(client.get("/admin/neighbourhoods"))
    assert nl("Neighbourhood %(name)s is saved.", name="Pijlsweerd") in page
    assert "3513, 3514AB" in page


def test_a_site_admin_edits_a_neighbourhood(client, world):
    client.login("admin@example.org")
    form = text(client.get(f"/admin/neighbourhoods/{world.ondiep.id}"))
    assert "3552" in form and 'value="Ondiep"' in form

    response = client.post(f"/admin/neighbourhoods/{world.ondiep.id}", {
        "name": "Ondiep-Noord", "municipality": "Utrecht", "postcodes": "3552\n3553", "adjacent": [world.everdingen.id],
    })
    assert goes_to(response, "/admin/neighbourhoods")
    hood = hood_named("Ondiep-Noord")
    assert (hood.id, hood.slug, hood.postcode_list) == (world.ondiep.id, "ondiep", "3552, 3553")
    assert (hood.centre_lat, hood.centre_lon) == (None, None)
    assert [n.name for n in hood.adjacent] == ["Everdingen"]
    assert hood_named("Zuilen").adjacent == []
    assert [n.name for n in hood_named("Everdingen").adjacent] == ["Ondiep-Noord"]


def test_the_edit_form_does_not_offer_the_neighbourhood_as_its_own_neighbour(client, world):
    client.login("admin@example.org")
    response = client.post(f"/admin/neighbourhoods/{world.zuilen.id}", {
        "name": "Zuilen", "municipality": "Utrecht", "postcodes": "3554", "adjacent": [world.zuilen.id],
    })
    assert response.status_code == 400
    assert hood_named("Zuilen").postcode_list == "3554, 3555"


BAD_NEIGHBOURHOODS = [
    ("empty name", {"name": "", "municipality": "Utrecht", "postcodes": "3513"},
     lambda: nl("Fill in a name.")),
    ("blank name", {"name": "   ", "municipality": "Utrecht", "postcodes": "3513"},
     lambda: nl("Fill in a name.")),
    ("no municipality", {"name": "Pijlsweerd", "municipality": "", "postcodes": "3513"},
     lambda: nl("Fill in the municipality.")),
    ("no postcodes", {"name": "Pijlsweerd", "municipality": "Utrecht", "postcodes": ""},
     lambda: nl("Fill in at least one postcode area.")),
    ("bad postcode area", {"name": "Pijlsweerd", "municipality": "Utrecht", "postcodes": "3513, 0123"},
     lambda: nl("“%(item)s” is not a postcode area. Use four digits (3554) or four digits and two letters (3554 AB).",
                item="0123")),
    ("prefix of another neighbourhood", {"name": "Pijlsweerd", "municipality": "Utrecht", "postcodes": "3513, 3555"},
     lambda: nl("Postcode area %(prefix)s already belongs to %(name)s.", prefix="3555", name="Zuilen")),
    ("latitude outside the Netherlands", {"name": "Pijlsweerd", "municipality": "Utrecht", "postcodes": "3513",
                                          "centre_lat": "40.1"},
     lambda: nl("This is not a latitude in the Netherlands.")),
]


@pytest.mark.parametrize("case, data, message", BAD_NEIGHBOURHOODS, ids=[c[0] for c in BAD_NEIGHBOURHOODS])
def test_a_bad_new_neighbourhood_is_not_saved(client, world, case, data, message):
    client.login("admin@example.org")
    response = client.post("/admin/neighbourhoods/new", data)
    assert response.status_code == 400
    assert message() in text(response)
    assert count(Neighbourhood) == 3
    assert services.neighbourhood_for_postcode(db.session, "3513 AA") is None
    assert hood_named("Zuilen").postcode_list == "3554, 3555"


@pytest.mark.parametrize("case, data, message", BAD_NEIGHBOURHOODS, ids=[c[0] for c in BAD_NEIGHBOURHOODS])
def test_a_bad_edit_of_a_neighbourhood_changes_nothing(client, world, case, data, message):
    client.login("admin@example.org")
    response = client.post(f"/admin/neighbourhoods/{world.everdingen.id}", data)
    assert response.status_code == 400
    assert message() in text(response)
    hood = hood_named("Everdingen")
    assert (hood.name, hood.municipality, hood.postcode_list) == ("Everdingen", "Vijfheerenlanden", "4121")


def test_a_neighbourhood_needs_at_least_one_postcode_area(client, world):
    client.login("admin@example.org")
    response = client.post("/admin/neighbourhoods/new",
                           {"name": "Nergens", "municipality": "Utrecht", "postcodes": ","})
    assert response.status_code == 400
    assert hood_named("Nergens") is None


# --- initiatives --------------------------------------------------------------------------------

def test_a_site_admin_adds_an_initiative(client, world):
    client.login("admin@example.org")
    response = client.post("/admin/initiatives/new", {
        "name": "Buurtwinkel Everdingen", "description": "Koffie en een praatje.",
        "contact_email": "Winkel@Everdingen.example", "neighbourhoods": [world.everdingen.id],
    })
    ini = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "buurtwinkel-everdingen"))
    assert goes_to(response, f"/admin/initiatives/{ini.id}/roles")
    assert (ini.name, ini.description, ini.contact_email) == ("Buurtwinkel Everdingen", "Koffie en een praatje.",
                                                               "winkel@everdingen.example")
    assert [n.name for n in ini.neighbourhoods] == ["Everdingen"]

    page = text(client.get(f"/admin/initiatives/{ini.id}/roles"))
    assert nl("Initiative %(name)s is saved.", name="Buurtwinkel Everdingen") in page
    assert "Buurtwinkel Everdingen" in text(client.get("/admin/initiatives"))


def test_a_site_admin_edits_an_initiative(client, world):
    client.login("admin@example.org")
    form = text(client.get(f"/admin/initiatives/{world.kracht.id}"))
    assert 'value="Kracht van Zuilen"' in form

    response = client.post(f"/admin/initiatives/{world.kracht.id}", {
        "name": "Kracht van Zuilen en Everdingen", "neighbourhoods": [world.zuilen.id, world.everdingen.id],
    })
    assert goes_to(response, f"/admin/initiatives/{world.kracht.id}/roles")
    db.session.expire_all()
    ini = db.session.get(Initiative, world.kracht.id)
    assert (ini.name, ini.slug, ini.contact_email) == ("Kracht van Zuilen en Everdingen", "kracht-van-zuilen", None)
    assert [n.name for n in ini.neighbourhoods] == ["Everdingen", "Zuilen"]
    assert count(Membership) == 3  # editing keeps the members


BAD_INITIATIVES = [
    ("empty name", {"name": ""}, lambda: nl("Fill in a name.")),
    ("no neighbourhood", {"name": "Buurtwinkel", "neighbourhoods": []},
     lambda: nl("Choose at least one neighbourhood the initiative works in.")),
    ("unknown neighbourhood", {"name": "Buurtwinkel", "neighbourhoods": [9999]}, None),
    ("bad e-mail", {"name": "Buurtwinkel", "contact_email": "not an address"},
     lambda: nl("This does not look like an e-mail address.")),
]


@pytest.mark.parametrize("case, data, message", BAD_INITIATIVES, ids=[c[0] for c in BAD_INITIATIVES])
def test_a_bad_new_initiative_is_not_saved(client, world, case, data, message):
    client.login("admin@example.org")
    data = {"neighbourhoods": [world.everdingen.id], **data}
    response = client.post("/admin/initiatives/new", data)
    assert response.status_code == 400
    if message:
        assert message() in text(response)
    assert count(Initiative) == 1


@pytest.mark.parametrize("case, data, message", BAD_INITIATIVES, ids=[c[0] for c in BAD_INITIATIVES])
def test_a_bad_edit_of_an_initiative_changes_nothing(client, world, case, data, message):
    client.login("admin@example.org")
    data = {"neighbourhoods": [world.everdingen.id], **data}
    response = client.post(f"/admin/initiatives/{world.kracht.id}", data)
    assert response.status_code == 400
    if message:
        assert message() in text(response)
    db.session.expire_all()
    ini = db.session.get(Initiative, world.kracht.id)
    assert ini.name == "Kracht van Zuilen"
    assert [n.name for n in ini.neighbourhoods] == ["Ondiep", "Zuilen"]


# --- roles --------------------------------------------------------------------------------------

def test_a_site_admin_gives_a_role_by_e_mail(client, world):
    client.login("admin@example.org")
    url = f"/admin/initiatives/{world.kracht.id}/roles"
    response = client.post(url, {"email": "  NEIGHBOUR@Example.org ", "role": "coordinator"})
    assert goes_to(response, url)

    m = db.session.scalar(sa.select(Membership).where(Membership.neighbour_id == world.neighbour.id))
    assert m.status == MembershipStatus.ACTIVE
    assert m.roles == [Role.MEMBER, Role.COORDINATOR]
    page = text(client.get(url))
    assert nl("%(name)s has the role now.", name="Henk") in page
    assert "Henk" in page

    # A second role adds to the first.
    client.post(url, {"email": "neighbour@example.org", "role": "treasurer"})
    db.session.expire_all()
    assert db.session.get(Membership, m.id).roles == [Role.MEMBER, Role.TREASURER, Role.COORDINATOR]


@pytest.mark.parametrize("email", ["nobody@example.org", "deleted@example.org"])
def test_an_unknown_e_mail_gets_no_role(client, world, email):
    from buurthulp.db import utcnow

    make_neighbour(world.zuilen, email="deleted@example.org", deleted_at=utcnow())
    db.session.commit()
    client.login("admin@example.org")
    response = client.post(f"/admin/initiatives/{world.kracht.id}/roles", {"email": email, "role": "member"})
    assert response.status_code == 400
    assert nl("There is no neighbour with this e-mail address.") in text(response)
    assert count(Membership) == 3


@pytest.mark.parametrize("data", [{"email": "neighbour@example.org", "role": "king"},
                                  {"email": "not an address", "role": "member"},
                                  {"email": "", "role": "member"}])
def test_a_bad_role_form_is_refused(client, world, data):
    client.login("admin@example.org")
    response = client.post(f"/admin/initiatives/{world.kracht.id}/roles", data)
    assert response.status_code == 400
    assert count(Membership) == 3


def test_granting_a_role_without_csrf_token_is_refused(client, world):
    client.login("admin@example.org")
    response = client.post(f"/admin/initiatives/{world.kracht.id}/roles",
                           {"email": "neighbour@example.org", "role": "coordinator"}, csrf=False)
    assert response.status_code == 400
    assert count(Membership) == 3


# --- site admins --------------------------------------------------------------------------------

def is_admin(neighbour_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Neighbour, neighbour_id).is_admin


def test_a_site_admin_makes_someone_admin_and_takes_it_back(client, world):
    client.login("admin@example.org")
    url = f"/admin/neighbours/{world.neighbour.id}/admin"

    response = client.post(url)
    assert goes_to(response, "/admin/neighbours")
    assert is_admin(world.neighbour.id)
    assert nl("%(name)s is now a site admin.", name="Henk") in text(client.get("/admin/neighbours"))

    response = client.post(url + "?q=henk")
    assert goes_to(response, "/admin/neighbours")
    assert "q=henk" in response.headers["Location"]
    assert not is_admin(world.neighbour.id)
    assert nl("%(name)s is no longer a site admin.", name="Henk") in text(client.get("/admin/neighbours"))


def test_the_new_admin_can_open_the_admin_area(client, make_client, world):
    client.login("admin@example.org")
    client.post(f"/admin/neighbours/{world.neighbour.id}/admin")
    henk = make_client()
    henk.login("neighbour@example.org")
    assert henk.get("/admin/").status_code == 200


def test_a_site_admin_cannot_take_away_their_own_rights(client, world):
    client.login("admin@example.org")
    response = client.post(f"/admin/neighbours/{world.admin.id}/admin")
    assert response.status_code == 400
    assert nl("You cannot take away your own admin rights.") in text(response)
    assert is_admin(world.admin.id)
    assert client.get("/admin/").status_code == 200


def test_toggling_admin_without_csrf_token_is_refused(client, world):
    client.login("admin@example.org")
    assert client.post(f"/admin/neighbours/{world.neighbour.id}/admin", csrf=False).status_code == 400
    assert not is_admin(world.neighbour.id)


# --- the list of neighbours ---------------------------------------------------------------------

def test_search_by_name_or_e_mail(client, world):
    make_neighbour(world.ondiep, email="ahmed.b@example.org", name="Ahmed")
    make_neighbour(world.everdingen, email="annie@dorp.example", name="Annie de Vries")
    db.session.commit()
    client.login("admin@example.org")

    page = text(client.get("/admin/neighbours?q=ANNIE"))
    assert "Annie de Vries" in page and "annie@dorp.example" in page and "Everdingen" in page
    assert "Ahmed" not in page and "Henk" not in page

    page = text(client.get("/admin/neighbours?q=dorp.example"))
    assert "Annie de Vries" in page and "Ahmed" not in page

    page = text(client.get("/admin/neighbours"))
    assert all(name in page for name in ("Ahmed", "Annie de Vries", "Henk", "Beheer"))

    response = client.get("/admin/neighbours?q=nobody-like-this")
    assert response.status_code == 200
    assert nl("No neighbours found.") in text(response)
    assert 'value="nobody-like-this"' in text(response)


def test_deleted_neighbours_are_not_listed(client, world):
    from buurthulp.db import utcnow

    make_neighbour(world.zuilen, email="gone@example.org", name="Vertrokken", deleted_at=utcnow())
    db.session.commit()
    client.login("admin@example.org")
    assert "Vertrokken" not in text(client.get("/admin/neighbours"))


def test_the_list_of_neighbours_runs_a_constant_number_of_queries(client, app, count_queries):
    hoods = [make_neighbourhood(f"Buurt {i}", [str(3000 + i)]) for i in range(6)]
    make_neighbour(hoods[0], email="admin@example.org", is_admin=True)
    db.session.commit()
    client.login("admin@example.org")

    queries = {}
    for total in (3, 30):
        existing = count(Neighbour)
        for i in range(existing, total):
            make_neighbour(hoods[i % len(hoods)] if i % 5 else None, name=f"Buurtgenoot {i:02d}")
        db.session.commit()
        db.session.expunge_all()  # each request starts with an empty session, as in production
        with count_queries() as q:
            response = client.get("/admin/neighbours")
        assert response.status_code == 200
        assert len(re.findall(r'action="/admin/neighbours/\d+/admin', text(response))) == total
        queries[total] = q.count
    assert queries[3] == queries[30], queries
