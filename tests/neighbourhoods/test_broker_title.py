"""What an initiative calls its broker (dorpsondersteuner, buurtmakelaar, wijkverbinder) is its coordinator's
choice, and the residents' pages use that word."""

import pytest

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import BrokerTitle, Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood

URL = "/initiatives/dorpshuis/broker-title"


def world():
    village = make_neighbourhood("Everdingen", ["4121"])
    other = make_neighbourhood("Zuilen", ["3554"])
    ini = make_initiative(village, name="Dorpshuis")
    make_initiative(other, name="Kracht van Zuilen")
    people = {
        "coordinator": make_neighbour(village, email="coordinator@example.org"),
        "broker": make_neighbour(village, email="broker@example.org"),
        "treasurer": make_neighbour(village, email="treasurer@example.org"),
        "member": make_neighbour(village, email="member@example.org"),
        "far": make_neighbour(other, email="far@example.org"),
        "admin": make_neighbour(other, email="admin@example.org", is_admin=True),
    }
    add_member(ini, people["coordinator"], Role.COORDINATOR)
    add_member(ini, people["broker"], Role.BROKER)
    add_member(ini, people["treasurer"], Role.TREASURER)
    add_member(ini, people["member"])
    db.session.commit()
    return ini, people


def test_the_default_is_buurtmakelaar(app):
    ini, _ = world()
    assert ini.broker_title == BrokerTitle.BUURTMAKELAAR


def test_the_coordinator_sets_the_title_and_members_read_it(client):
    ini, people = world()
    client.login("coordinator@example.org")
    page = client.get("/initiatives/dorpshuis").get_data(as_text=True)
    assert 'name="broker_title" type="radio" value="dorpsondersteuner"' in page or 'value="dorpsondersteuner"' in page
    response = client.post(URL, {"broker_title": "dorpsondersteuner"})
    assert response.status_code == 302
    db.session.refresh(ini)
    assert ini.broker_title == BrokerTitle.DORPSONDERSTEUNER
    client.logout()
    client.login("broker@example.org")
    page = client.get("/initiatives/dorpshuis").get_data(as_text=True)
    assert "dorpsondersteuner" in page and "buurtmakelaar" not in page
    assert 'name="broker_title"' not in page  # the setting is for the coordinator


@pytest.mark.parametrize("who", ["broker", "treasurer", "member", "far"])
def test_no_one_else_may_change_it(client, who):
    ini, _ = world()
    client.login(f"{who}@example.org")
    assert client.post(URL, {"broker_title": "wijkverbinder"}).status_code == 403
    db.session.refresh(ini)
    assert ini.broker_title == BrokerTitle.BUURTMAKELAAR


def test_anonymous_is_sent_to_log_in(client):
    ini, _ = world()
    response = client.post(URL, {"broker_title": "wijkverbinder"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(ini)
    assert ini.broker_title == BrokerTitle.BUURTMAKELAAR


def test_an_unknown_initiative_is_404(client):
    world()
    client.login("coordinator@example.org")
    assert client.post("/initiatives/nergens/broker-title", {"broker_title": "wijkverbinder"}).status_code == 404


@pytest.mark.parametrize("data", [{"broker_title": "makelaar"}, {}, {"broker_title": ""},
                                  {"broker_title": "x" * 5000}])
def test_a_bad_title_is_400_with_a_clear_message(client, data):
    ini, _ = world()
    client.login("coordinator@example.org")
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "Kies een van de namen voor de buurtmakelaar." in response.get_data(as_text=True)
    db.session.refresh(ini)
    assert ini.broker_title == BrokerTitle.BUURTMAKELAAR


def test_without_csrf_it_is_refused(client):
    ini, _ = world()
    client.login("coordinator@example.org")
    assert client.post(URL, {"broker_title": "wijkverbinder"}, csrf=False).status_code == 400
    db.session.refresh(ini)
    assert ini.broker_title == BrokerTitle.BUURTMAKELAAR


def test_the_demo_village_has_a_dorpsondersteuner(app):
    from buurthulp.core.cli import load_demo
    from buurthulp.neighbourhoods.models import Initiative

    load_demo()
    titles = {i.slug: i.broker_title for i in db.session.query(Initiative)}
    assert titles["buurtwinkel-everdingen"] == BrokerTitle.DORPSONDERSTEUNER
    assert titles["kracht-van-zuilen"] == BrokerTitle.BUURTMAKELAAR


def test_the_printed_page_for_a_proxy_names_the_initiatives_broker(client):
    from buurthulp.broker import services as broker_services

    ini, people = world()
    ini.broker_title = BrokerTitle.DORPSONDERSTEUNER
    jansen = broker_services.add_proxy(db.session, people["broker"], ini, name="Mevrouw Jansen",
                                       contact_route="belt op dinsdag", postcode="4121 AB", likes=[], needs=[])
    db.session.commit()
    client.login("broker@example.org")
    page = client.get(f"/broker/dorpshuis/neighbours/{jansen.id}/print").get_data(as_text=True)
    assert "Vragen? Bel de dorpsondersteuner van Dorpshuis." in page
