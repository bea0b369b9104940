"""The neighbourhood follows the postcode: on the profile, at registration, and where none covers it yet
(a broker or coordinator of an initiative working there places the person; neighbourhoods.services)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from markupsafe import escape

from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood

FORM = {"display_name": "Ria", "about": "", "postcode": "3554 AB", "locale": "nl", "digest": "monthly"}


def nl(msgid: str) -> str:
    """A message as the Dutch-default app shows it (Dutch once the nl catalogue has it), HTML-escaped."""
    from flask_babel import gettext

    with force_locale("nl"):
        return str(escape(gettext(msgid)))


NO_HOOD = ("No neighbourhood on buurthulp covers your postcode yet. Ask a resident initiative near you: a broker or "
           "coordinator can add you to one of their neighbourhoods. Until then you cannot post asks or offers.")
NOBODY = ("We found nobody with this e-mail address whose postcode no neighbourhood covers. "
          "Where a neighbourhood covers someone's postcode, that is their neighbourhood.")


@pytest.fixture
def hoods(app) -> dict:
    """Zuilen (3554) with Ondiep (3552) next to it; Zuilen-Noord holds the one street 3554 AB as well; Everdingen
    far away. Kracht van Zuilen works in Zuilen and Ondiep, Everdingen Helpt in Everdingen."""
    h = {
        "zuilen": make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935)),
        "noord": make_neighbourhood("Zuilen-Noord", ["3554AB"], centre=(52.115, 5.09)),
        "everdingen": make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165)),
    }
    h["ondiep"] = make_neighbourhood("Ondiep", ["3552"], adjacent=[h["zuilen"]], centre=(52.102, 5.1))
    h["kracht"] = make_initiative(h["zuilen"], h["ondiep"], name="Kracht van Zuilen")
    h["helpt"] = make_initiative(h["everdingen"], name="Everdingen Helpt")
    h["ria"] = make_neighbour(h["zuilen"], email="ria@example.org", name="Ria", postcode="3554 CD")
    for name, initiative, role in [("broker", "kracht", Role.BROKER), ("coordinator", "kracht", Role.COORDINATOR),
                                   ("treasurer", "kracht", Role.TREASURER), ("far_broker", "helpt", Role.BROKER)]:
        h[name] = make_neighbour(h["zuilen"], email=f"{name}@example.org", postcode="3554 CD")
        add_member(h[initiative], h[name], role)
    h["admin"] = make_neighbour(h["zuilen"], email="admin@example.org", postcode="3554 CD", is_admin=True)
    db.session.commit()
    return h


def save(client, **changes):
    return client.post("/profile", {**FORM, **{k: str(v) for k, v in changes.items()}})


def ria():
    db.session.expire_all()
    return db.session.scalar(db.select(Neighbour).where(Neighbour.email == "ria@example.org"))


# --- the service ----------------------------------------------------------------------------------

def test_home_neighbourhood_is_one_that_covers_the_postcode(hoods):
    zuilen, noord, ondiep = hoods["zuilen"], hoods["noord"], hoods["ondiep"]
    assert services.covering_neighbourhoods(db.session, "3554 AB") == [noord, zuilen]  # the most specific first
    assert services.home_neighbourhood(db.session, "3554 AB") == noord
    assert services.home_neighbourhood(db.session, "3554 AB", chosen=zuilen) == zuilen  # several: one chooses
    assert services.home_neighbourhood(db.session, "3554 CD", chosen=ondiep) == zuilen  # a far choice is nothing
    assert services.home_neighbourhood(db.session, "9999 ZZ", chosen=zuilen) is None


# --- the profile --------------------------------------------------------------------------------

def test_a_neighbourhood_far_from_the_postcode_cannot_be_chosen(client, hoods):
    client.login("ria@example.org")
    for far in ("ondiep", "everdingen"):
        response = save(client, postcode="3554 CD", neighbourhood=hoods[far].id)
        assert response.status_code == 400
        assert nl("Choose one of the neighbourhoods your postcode lies in.") in response.get_data(as_text=True)
        assert ria().neighbourhood_id == hoods["zuilen"].id


def test_one_neighbourhood_is_shown_not_chosen(client, hoods):
    client.login("ria@example.org")
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="neighbourhood"' not in page and "Zuilen" in page


def test_changing_the_postcode_moves_the_neighbourhood(client, hoods):
    client.login("ria@example.org")
    # the form still carries the old neighbourhood: the new postcode decides
    assert save(client, postcode="3552 AA", neighbourhood=hoods["zuilen"].id).status_code == 302
    assert ria().neighbourhood_id == hoods["ondiep"].id
    assert (ria().latitude, ria().longitude) == (52.102, 5.1)
    assert save(client, postcode="3554 CD").status_code == 302  # no neighbourhood field at all
    assert ria().neighbourhood_id == hoods["zuilen"].id


def test_where_two_cover_the_postcode_the_person_chooses(client, hoods):
    client.login("ria@example.org")
    assert save(client, postcode="3554 AB").status_code == 302
    assert ria().neighbourhood_id == hoods["zuilen"].id  # the one held still covers it: it stays
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="neighbourhood"' in page and "Zuilen-Noord" in page and "Ondiep" not in page
    assert save(client, postcode="3554 AB", neighbourhood=hoods["noord"].id).status_code == 302
    assert ria().neighbourhood_id == hoods["noord"].id
    assert save(client, postcode="3554 AB", neighbourhood=hoods["ondiep"].id).status_code == 400
    assert ria().neighbourhood_id == hoods["noord"].id


def test_where_none_covers_the_postcode_there_is_none_until_an_initiative_places_one(client, make_client, hoods):
    client.login("ria@example.org")
    assert save(client, postcode="9999 ZZ", neighbourhood=hoods["zuilen"].id).status_code == 302
    assert ria().neighbourhood_id is None and ria().latitude is None
    assert nl(NO_HOOD) in client.get("/profile").get_data(as_text=True)
    broker = make_client()
    broker.login("broker@example.org")
    response = broker.post("/initiatives/kracht-van-zuilen/place",
                           {"email": "RIA@example.org", "neighbourhood": str(hoods["ondiep"].id)})
    assert response.status_code == 302
    assert ria().neighbourhood_id == hoods["ondiep"].id and ria().latitude == 52.102
    # saving the profile keeps it while the postcode stays; a new postcode takes it away again
    assert save(client, postcode="9999 ZZ").status_code == 302
    assert ria().neighbourhood_id == hoods["ondiep"].id
    assert save(client, postcode="9998 ZZ").status_code == 302
    assert ria().neighbourhood_id is None
    assert save(client, postcode="3554 CD").status_code == 302
    assert ria().neighbourhood_id == hoods["zuilen"].id


# --- placing someone -------------------------------------------------------------------------------

@pytest.fixture
def uncovered(hoods):
    hoods["ria"].postcode, hoods["ria"].neighbourhood = "9999 ZZ", None
    db.session.commit()
    return hoods


@pytest.mark.parametrize("role, status", [("broker", 302), ("coordinator", 302), ("treasurer", 403),
                                          ("far_broker", 403), ("admin", 403), ("ria", 403)])
def test_who_places_someone(client, uncovered, role, status):
    client.login(f"{role}@example.org")
    assert client.get("/initiatives/kracht-van-zuilen/place").status_code == (200 if status == 302 else 403)
    response = client.post("/initiatives/kracht-van-zuilen/place",
                           {"email": "ria@example.org", "neighbourhood": str(uncovered["zuilen"].id)})
    assert response.status_code == status
    assert ria().neighbourhood_id == (uncovered["zuilen"].id if status == 302 else None)


def test_anonymous_is_sent_to_log_in(client, uncovered):
    response = client.get("/initiatives/kracht-van-zuilen/place")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_into_the_initiatives_own_neighbourhoods(client, uncovered):
    client.login("broker@example.org")
    response = client.post("/initiatives/kracht-van-zuilen/place",
                           {"email": "ria@example.org", "neighbourhood": str(uncovered["everdingen"].id)})
    assert response.status_code == 400
    assert ria().neighbourhood_id is None
    with pytest.raises(services.NotAllowed):
        services.place_in_neighbourhood(db.session, uncovered["broker"], uncovered["kracht"], ria(),
                                        uncovered["everdingen"])


@pytest.mark.parametrize("who", ["covered", "unknown", "proxy"])
def test_placing_is_refused_with_one_answer(client, hoods, who):
    """Someone whose postcode a neighbourhood covers is not moved; nor is it told who has an account."""
    email = {"covered": "ria@example.org", "unknown": "nobody@example.org", "proxy": "proxy@example.org"}[who]
    if who == "proxy":
        make_neighbour(None, email=email, postcode="9999 ZZ", proxy_initiative_id=hoods["kracht"].id)
        db.session.commit()
    client.login("broker@example.org")
    response = client.post("/initiatives/kracht-van-zuilen/place",
                           {"email": email, "neighbourhood": str(hoods["ondiep"].id)})
    assert response.status_code == 400
    assert nl(NOBODY) in response.get_data(as_text=True)
    assert ria().neighbourhood_id == hoods["zuilen"].id


def test_the_workspace_links_to_placing(client, hoods):
    client.login("broker@example.org")
    assert "/initiatives/kracht-van-zuilen/place" in client.get("/broker/kracht-van-zuilen").get_data(as_text=True)
    client.logout()
    client.login("coordinator@example.org")
    assert "/initiatives/kracht-van-zuilen/place" in client.get("/initiatives/kracht-van-zuilen").get_data(as_text=True)
    client.logout()
    client.login("treasurer@example.org")
    assert "/initiatives/kracht-van-zuilen/place" not in client.get("/initiatives/kracht-van-zuilen").get_data(as_text=True)


# --- registration -------------------------------------------------------------------------------

def test_registration_takes_the_postcodes_neighbourhood(client, hoods):
    data = {"display_name": "Wim", "email": "wim@example.org", "password": "fietsen langs de vecht",
            "postcode": "3552 ab", "neighbourhood": str(hoods["everdingen"].id)}
    assert client.post("/register", data).status_code == 200
    wim = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "wim@example.org"))
    assert wim.neighbourhood_id == hoods["ondiep"].id
    assert 'name="neighbourhood"' not in client.get("/register").get_data(as_text=True)
