"""The profile page, data export and account deletion."""

import json

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import DigestPreference, Neighbour
from buurthulp.categories import Category, DayPart, Weekday, slot_bit
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Membership, Role
from tests.factories import PASSWORD, add_member, make_initiative, make_neighbour, make_neighbourhood

FORM = {
    "display_name": "Ria", "about": "Ik woon hier al dertig jaar.", "postcode": "3555 ef", "locale": "nl",
    "digest": "monthly", "phone": "06 12345678",
}


@pytest.fixture
def hoods():
    zuilen = make_neighbourhood("Zuilen", ["3554", "3555"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.102, 5.1))
    db.session.commit()
    return zuilen, ondiep


@pytest.fixture
def ria(hoods):
    ria = make_neighbour(hoods[0], email="ria@example.org", name="Ria")
    db.session.commit()
    return ria


def post_profile(client, **changes):
    data = {**FORM, "neighbourhood": str(changes.pop("neighbourhood")), **changes}
    return client.post("/profile", data)


def test_profile_saves_both_lists_availability_and_contact_choices(client, hoods, ria):
    client.login("ria@example.org")
    response = client.post("/profile", {
        **FORM, "neighbourhood": str(hoods[0].id),
        "likes": ["gezelschap", "maaltijden"], "needs": ["administratie"],
        "availability": ["1-0", "3-1"], "share_phone": "y",
    })
    assert response.status_code == 302
    db.session.refresh(ria)
    assert ria.likes_to_do == [Category.MEALS, Category.COMPANY]
    assert ria.could_use_help_with == [Category.PAPERWORK]
    assert ria.availability == slot_bit(Weekday.TUESDAY, DayPart.MORNING) | slot_bit(Weekday.THURSDAY, DayPart.AFTERNOON)
    assert ria.postcode == "3555 EF"
    assert ria.share_phone and not ria.share_email
    assert ria.phone == "06 12345678"
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="1-0" id="availability-1-0"\n                       checked' in page or 'id="availability-1-0"' in page


def test_both_lists_may_stay_empty(client, hoods, ria):
    client.login("ria@example.org")
    assert post_profile(client, neighbourhood=hoods[0].id).status_code == 302
    db.session.refresh(ria)
    assert ria.likes_to_do == [] and ria.could_use_help_with == []


def test_profile_has_no_helper_or_client_choice(client, ria):
    client.login("ria@example.org")
    page = client.get("/profile").get_data(as_text=True).lower()
    for word in ("vrijwilliger", "volunteer", "client", "cliënt", "mantelzorger", "hulpbehoevende"):
        assert word not in page


def test_moving_neighbourhood_moves_the_approximate_location(client, hoods, ria):
    client.login("ria@example.org")
    post_profile(client, neighbourhood=hoods[1].id, postcode="3552 AA")
    db.session.refresh(ria)
    assert ria.neighbourhood_id == hoods[1].id
    assert (ria.latitude, ria.longitude) == (52.102, 5.1)


def test_language_and_digest_choice(client, hoods, ria):
    client.login("ria@example.org")
    post_profile(client, neighbourhood=hoods[0].id, locale="en", digest="off")
    db.session.refresh(ria)
    assert ria.locale == "en" and ria.digest == DigestPreference.OFF
    assert 'lang="en"' in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize("changes", [
    {"postcode": "0123 AB"}, {"display_name": ""}, {"likes": ["zwemmen"]}, {"availability": ["9-9"]},
    {"locale": "fr"}, {"digest": "weekly"}, {"phone": "bel me"}, {"about": "x" * 501},
    {"neighbourhood": "999999"},
])
def test_bad_profile_input_gets_400_and_changes_nothing(client, hoods, ria, changes):
    client.login("ria@example.org")
    data = {**FORM, "neighbourhood": str(hoods[0].id), **changes}
    response = client.post("/profile", data)
    assert response.status_code == 400
    assert "error-summary" in response.get_data(as_text=True)
    db.session.refresh(ria)
    assert ria.display_name == "Ria" and ria.postcode == "3554 AB" and ria.about == ""


def test_about_text_is_escaped(client, hoods, ria):
    client.login("ria@example.org")
    post_profile(client, neighbourhood=hoods[0].id, about='<img src=x onerror="alert(1)">')
    page = client.get("/profile").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x" in page


def test_export_contains_everything_about_me(client, hoods, ria):
    initiative = make_initiative(hoods[0], name="Kracht van Zuilen")
    add_member(initiative, ria, Role.BROKER)
    db.session.commit()
    client.login("ria@example.org")
    post_profile(client, neighbourhood=hoods[0].id, likes=["klussen"], availability=["0-2"])
    response = client.get("/profile/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "ria@example.org"
    assert data["profile"]["postcode"] == "3555 EF"
    assert data["profile"]["likes_to_do"] == ["klussen"]
    assert data["profile"]["availability"] == [{"weekday": "monday", "part_of_day": "evening"}]
    assert data["memberships"] == [{"initiative": "Kracht van Zuilen", "status": "active",
                                    "roles": ["member", "broker"], "requested_at": data["memberships"][0]["requested_at"]}]


def test_export_needs_login(client):
    assert client.get("/profile/export").status_code == 302


def test_delete_account_removes_personal_data(client, hoods, ria):
    initiative = make_initiative(hoods[0])
    add_member(initiative, ria)
    db.session.commit()
    ria_id = ria.id
    client.login("ria@example.org")
    post_profile(client, neighbourhood=hoods[0].id, likes=["klussen"])
    response = client.post("/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    gone = db.session.get(Neighbour, ria_id)
    assert gone.deleted_at is not None
    assert gone.email is None and gone.password_hash is None and gone.postcode is None and gone.phone is None
    assert gone.display_name != "Ria" and gone.about == "" and gone.interests == []
    assert gone.latitude is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0
    # logged out, and cannot log in again
    assert client.get("/profile").status_code == 302
    assert client.post("/login", {"email": "ria@example.org", "password": PASSWORD}).status_code == 400
    # the address is free for a new account
    assert client.post("/register", {"display_name": "Ria", "email": "ria@example.org", "password": "opnieuw beginnen",
                                     "postcode": "3554 AB", "neighbourhood": "0"}).status_code == 200
    assert db.session.scalar(sa.select(Neighbour.id).where(Neighbour.email == "ria@example.org")) != ria_id


def test_delete_needs_password_and_confirmation(client, ria):
    client.login("ria@example.org")
    assert client.post("/profile/delete", {"password": "wrong password", "confirm": "y"}).status_code == 400
    assert client.post("/profile/delete", {"password": PASSWORD}).status_code == 400
    assert client.post("/profile/delete", {"password": PASSWORD, "confirm": "y"}, csrf=False).status_code == 400
    db.session.refresh(ria)
    assert ria.deleted_at is None


def test_profile_pages_need_login(client):
    for url in ("/profile", "/profile/password", "/profile/delete"):
        assert client.get(url).status_code == 302
