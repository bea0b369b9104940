"""Neighbourhood rules: postcodes, adjacency, joining initiatives, deciding requests and roles."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Membership, MembershipStatus, Neighbourhood, NeighbourhoodPostcode, Role
from tests.conftest import mail_text
from tests.factories import add_member, add_request, make_initiative, make_neighbour, make_neighbourhood


@pytest.fixture
def in_request(app):
    """Mail links are built from the current request, as in the join and decide routes."""
    with app.test_request_context("/"):
        yield


def hood_named(name: str) -> Neighbourhood:
    return db.session.scalar(sa.select(Neighbourhood).where(Neighbourhood.name == name))


# --- neighbourhood_for_postcode -----------------------------------------------------------------

@pytest.mark.parametrize("pc6_first", [False, True])
def test_pc6_prefix_wins_over_pc4(app, pc6_first):
    if pc6_first:
        street = make_neighbourhood("Straatje", ["3554AB"])
        area = make_neighbourhood("Zuilen", ["3554"])
    else:
        area = make_neighbourhood("Zuilen", ["3554"])
        street = make_neighbourhood("Straatje", ["3554AB"])
    db.session.commit()

    assert services.neighbourhood_for_postcode(db.session, "3554 AB") == street
    assert services.neighbourhood_for_postcode(db.session, "3554ab") == street
    assert services.neighbourhood_for_postcode(db.session, "3554 CD") == area
    assert services.neighbourhood_for_postcode(db.session, "3554") == area


@pytest.mark.parametrize("postcode", ["9999 ZZ", "3555 AB", "", "hello"])
def test_unknown_postcode_has_no_neighbourhood(app, postcode):
    make_neighbourhood("Zuilen", ["3554", "3556AB"])
    db.session.commit()
    assert services.neighbourhood_for_postcode(db.session, postcode) is None


# --- parse_postcode_prefixes --------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("3554", ["3554"]),
    ("3554, 3555 AB", ["3554", "3555AB"]),
    ("3554;3555ab\n3556\r\n 3557 CD ", ["3554", "3555AB", "3556", "3557CD"]),
    ("3554, 3554, 3554", ["3554"]),
])
def test_parse_postcode_prefixes_accepts_pc4_and_pc6(app, text, expected):
    assert services.parse_postcode_prefixes(text) == expected


@pytest.mark.parametrize("text, bad", [
    ("0123", "0123"),
    ("123", "123"),
    ("35544", "35544"),
    ("3554A", "3554A"),
    ("3554 ABC", "3554ABC"),
    ("abcd", "ABCD"),
    ("3554, 12345", "12345"),
])
def test_parse_postcode_prefixes_names_the_bad_item(app, text, bad):
    with pytest.raises(DomainError) as info:
        services.parse_postcode_prefixes(text)
    assert bad in str(info.value.message)
    assert info.value.status_code == 400


@pytest.mark.parametrize("text", ["", ",", " ; \n"])
def test_parse_postcode_prefixes_needs_at_least_one(app, text):
    with pytest.raises(DomainError):
        services.parse_postcode_prefixes(text)


# --- save_neighbourhood -------------------------------------------------------------------------

def test_adjacency_is_symmetric_when_created(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"])
    pijlsweerd = make_neighbourhood("Pijlsweerd", ["3513"], adjacent=[zuilen, ondiep])
    db.session.commit()

    assert pijlsweerd.adjacent == [ondiep, zuilen]
    assert zuilen.adjacent == [pijlsweerd]
    assert ondiep.adjacent == [pijlsweerd]
    assert services.nearby_neighbourhood_ids(db.session, zuilen.id) == [zuilen.id, pijlsweerd.id]


def test_adjacency_is_symmetric_when_edited_from_either_side(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    pijlsweerd = make_neighbourhood("Pijlsweerd", ["3513"])
    db.session.commit()

    # Edit Zuilen (the side that did not choose the link): drop Ondiep, add Pijlsweerd.
    services.save_neighbourhood(db.session, zuilen, name="Zuilen", municipality="Utrecht", prefixes=["3554"],
                                adjacent=[pijlsweerd])
    db.session.commit()

    assert zuilen.adjacent == [pijlsweerd]
    assert pijlsweerd.adjacent == [zuilen]
    assert ondiep.adjacent == []


def test_a_neighbourhood_is_not_its_own_neighbour(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    services.save_neighbourhood(db.session, zuilen, name="Zuilen", municipality="Utrecht", prefixes=["3554"],
                                adjacent=[zuilen])
    db.session.commit()
    assert zuilen.adjacent == []


def test_removed_neighbour_sees_the_change_before_commit(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    assert zuilen.adjacent == [ondiep]  # loaded into the session
    services.save_neighbourhood(db.session, ondiep, name="Ondiep", municipality="Utrecht", prefixes=["3552"],
                                adjacent=[])
    assert zuilen.adjacent == []


def test_editing_keeps_the_slug_and_replaces_postcodes(app):
    zuilen = make_neighbourhood("Zuilen", ["3554", "3555"])
    db.session.commit()
    services.save_neighbourhood(db.session, zuilen, name="  Zuilen-Oost ", municipality="Utrecht",
                                prefixes=["3555", "3556AB"], adjacent=[])
    db.session.commit()

    assert (zuilen.name, zuilen.slug) == ("Zuilen-Oost", "zuilen")
    assert db.session.scalars(sa.select(NeighbourhoodPostcode.prefix).order_by(NeighbourhoodPostcode.prefix)).all() \
        == ["3555", "3556AB"]
    assert services.neighbourhood_for_postcode(db.session, "3554 AA") is None


def test_same_name_gets_a_unique_slug(app):
    first = make_neighbourhood("Oost", ["3554"])
    second = make_neighbourhood("Oost", ["1091"], municipality="Amsterdam")
    assert (first.slug, second.slug) == ("oost", "oost-2")


@pytest.mark.parametrize("prefixes", [["3554"], ["3560", "3554"]])
def test_a_prefix_owned_by_another_neighbourhood_is_refused(app, prefixes):
    make_neighbourhood("Zuilen", ["3554", "3555"])
    db.session.commit()

    with pytest.raises(DomainError) as info:
        make_neighbourhood("Ondiep", prefixes)
    assert "3554" in str(info.value.message) and "Zuilen" in str(info.value.message)
    db.session.rollback()

    assert db.session.scalars(sa.select(Neighbourhood.name)).all() == ["Zuilen"]
    assert services.neighbourhood_for_postcode(db.session, "3554 AB").name == "Zuilen"
    assert services.neighbourhood_for_postcode(db.session, "3560 AB") is None


def test_editing_a_neighbourhood_cannot_take_a_prefix_of_another(app):
    make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"])
    db.session.commit()

    with pytest.raises(DomainError):
        services.save_neighbourhood(db.session, ondiep, name="Ondiep", municipality="Utrecht",
                                    prefixes=["3552", "3554"], adjacent=[])
    db.session.rollback()
    assert [p.prefix for p in hood_named("Ondiep").postcodes] == ["3552"]


def test_keeping_its_own_prefixes_is_fine(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    services.save_neighbourhood(db.session, zuilen, name="Zuilen", municipality="Utrecht", prefixes=["3554"],
                                adjacent=[])
    db.session.commit()
    assert zuilen.postcode_list == "3554"


# --- request_membership -------------------------------------------------------------------------

@pytest.fixture
def kracht(app):
    """Zuilen, with Ondiep next to it and Everdingen far away; the initiative works in Zuilen only."""
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden")
    ini = make_initiative(zuilen, name="Kracht van Zuilen")
    db.session.commit()
    return ini


def test_a_neighbour_of_the_neighbourhood_can_ask_to_join(kracht, in_request):
    henk = make_neighbour(hood_named("Zuilen"), name="Henk")
    m = services.request_membership(db.session, henk, kracht)
    db.session.commit()

    assert m.status == MembershipStatus.PENDING
    assert m.roles == []
    assert services.has_role(db.session, henk, kracht, Role.MEMBER) is False


@pytest.mark.parametrize("home", ["Ondiep", "Everdingen", None])
def test_only_neighbours_of_the_initiatives_neighbourhood_can_ask(kracht, in_request, home):
    outsider = make_neighbour(hood_named(home) if home else None)
    with pytest.raises(NotAllowed) as info:
        services.request_membership(db.session, outsider, kracht)
    assert info.value.status_code == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_asking_twice_is_refused(kracht, in_request):
    henk = make_neighbour(hood_named("Zuilen"))
    services.request_membership(db.session, henk, kracht)
    with pytest.raises(DomainError) as info:
        services.request_membership(db.session, henk, kracht)
    assert not isinstance(info.value, NotAllowed)


def test_an_active_member_cannot_ask_again(kracht, in_request):
    henk = make_neighbour(hood_named("Zuilen"))
    add_member(kracht, henk)
    with pytest.raises(DomainError):
        services.request_membership(db.session, henk, kracht)
    assert services.membership(db.session, kracht, henk).status == MembershipStatus.ACTIVE


def test_after_a_decline_one_can_ask_again(kracht, in_request):
    ria = make_neighbour(hood_named("Zuilen"))
    add_member(kracht, ria, Role.COORDINATOR)
    henk = make_neighbour(hood_named("Zuilen"))
    m = services.request_membership(db.session, henk, kracht)
    services.decide_membership(db.session, ria, m, approve=False)
    db.session.commit()

    again = services.request_membership(db.session, henk, kracht)
    db.session.commit()
    assert again.id == m.id
    assert (again.status, again.decided_at, again.decided_by_id) == (MembershipStatus.PENDING, None, None)


def test_confirmed_coordinators_get_a_mail_after_commit(kracht, in_request, outbox):
    zuilen = hood_named("Zuilen")
    ria = make_neighbour(zuilen, name="Ria", email="ria@example.org")
    add_member(kracht, ria, Role.COORDINATOR)
    unconfirmed = make_neighbour(zuilen, email="new-coordinator@example.org", confirmed=False)
    add_member(kracht, unconfirmed, Role.COORDINATOR)
    broker = make_neighbour(zuilen, email="broker@example.org")
    add_member(kracht, broker, Role.BROKER)
    henk = make_neighbour(zuilen, name="Henk")
    db.session.commit()

    services.request_membership(db.session, henk, kracht)
    assert outbox() == []  # nothing before the commit
    db.session.commit()

    mails = outbox()
    assert [m["To"] for m in mails] == ["ria@example.org"]
    assert "Henk" in mail_text(mails[0]) and "Kracht van Zuilen" in mail_text(mails[0])
    assert "/initiatives/kracht-van-zuilen" in mail_text(mails[0])


def test_a_rolled_back_request_mails_nobody(kracht, in_request, outbox):
    ria = make_neighbour(hood_named("Zuilen"))
    add_member(kracht, ria, Role.COORDINATOR)
    henk = make_neighbour(hood_named("Zuilen"))
    db.session.commit()

    services.request_membership(db.session, henk, kracht)
    db.session.rollback()
    db.session.commit()
    assert outbox() == []


@pytest.mark.parametrize("config_overrides", [{"PUBLIC_URL": "https://buurthulp.example"}])
def test_coordinators_are_mailed_outside_a_request_with_public_url(kracht, outbox):
    ria = make_neighbour(hood_named("Zuilen"), email="ria@example.org")
    add_member(kracht, ria, Role.COORDINATOR)
    henk = make_neighbour(hood_named("Zuilen"))
    services.request_membership(db.session, henk, kracht)
    db.session.commit()
    assert "https://buurthulp.example/initiatives/kracht-van-zuilen" in mail_text(outbox()[0])


# --- decide_membership --------------------------------------------------------------------------

@pytest.fixture
def request_of_henk(kracht, in_request):
    zuilen = hood_named("Zuilen")
    ria = make_neighbour(zuilen, name="Ria")
    add_member(kracht, ria, Role.COORDINATOR)
    henk = make_neighbour(zuilen, name="Henk", email="henk@example.org")
    m = add_request(kracht, henk)
    db.session.commit()
    return ria, m


def test_a_coordinator_approves_and_the_neighbour_is_welcomed(request_of_henk, outbox):
    ria, m = request_of_henk
    services.decide_membership(db.session, ria, m, approve=True)
    assert outbox() == []
    db.session.commit()

    assert m.status == MembershipStatus.ACTIVE
    assert m.roles == [Role.MEMBER]
    assert m.decided_by_id == ria.id and m.decided_at is not None
    mails = outbox()
    assert [mail["To"] for mail in mails] == ["henk@example.org"]
    assert "Kracht van Zuilen" in mails[0]["Subject"]


def test_a_coordinator_declines_and_nobody_is_mailed(request_of_henk, outbox):
    ria, m = request_of_henk
    services.decide_membership(db.session, ria, m, approve=False)
    db.session.commit()
    assert m.status == MembershipStatus.DECLINED
    assert m.roles == []
    assert outbox() == []


def test_a_site_admin_may_decide(request_of_henk):
    _, m = request_of_henk
    admin = make_neighbour(hood_named("Everdingen"), is_admin=True)
    services.decide_membership(db.session, admin, m, approve=True)
    assert m.status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("role", [Role.MEMBER, Role.BROKER, Role.TREASURER])
def test_members_without_the_coordinator_role_may_not_decide(request_of_henk, role):
    _, m = request_of_henk
    other = make_neighbour(hood_named("Zuilen"))
    add_member(m.initiative, other, role)
    with pytest.raises(NotAllowed):
        services.decide_membership(db.session, other, m, approve=True)
    assert m.status == MembershipStatus.PENDING


def test_a_coordinator_of_another_initiative_may_not_decide(request_of_henk):
    _, m = request_of_henk
    winkel = make_initiative(hood_named("Everdingen"), name="Buurtwinkel")
    annie = make_neighbour(hood_named("Everdingen"))
    add_member(winkel, annie, Role.COORDINATOR)
    with pytest.raises(NotAllowed):
        services.decide_membership(db.session, annie, m, approve=True)


def test_a_request_is_decided_once(request_of_henk):
    ria, m = request_of_henk
    services.decide_membership(db.session, ria, m, approve=False)
    with pytest.raises(DomainError):
        services.decide_membership(db.session, ria, m, approve=True)
    assert m.status == MembershipStatus.DECLINED


# --- set_roles ----------------------------------------------------------------------------------

@pytest.fixture
def team(kracht):
    zuilen = hood_named("Zuilen")
    ria = make_neighbour(zuilen, name="Ria")
    henk = make_neighbour(zuilen, name="Henk")
    admin = make_neighbour(None, is_admin=True)
    return {"ini": kracht, "ria": ria, "ria_m": add_member(kracht, ria, Role.COORDINATOR),
            "henk": henk, "henk_m": add_member(kracht, henk), "admin": admin}


def test_a_coordinator_gives_and_takes_roles(team):
    m = team["henk_m"]
    services.set_roles(db.session, team["ria"], m, {Role.BROKER, Role.TREASURER})
    db.session.commit()
    assert m.roles == [Role.MEMBER, Role.BROKER, Role.TREASURER]

    services.set_roles(db.session, team["ria"], m, {Role.COORDINATOR})
    db.session.commit()
    assert m.roles == [Role.MEMBER, Role.COORDINATOR]
    assert services.can_manage(db.session, team["henk"], team["ini"])


def test_a_plain_member_may_not_set_roles(team):
    with pytest.raises(NotAllowed):
        services.set_roles(db.session, team["henk"], team["henk_m"], {Role.COORDINATOR})
    assert team["henk_m"].is_coordinator is False


def test_roles_need_an_approved_membership(team):
    pending = add_request(team["ini"], make_neighbour(hood_named("Zuilen")))
    with pytest.raises(DomainError):
        services.set_roles(db.session, team["ria"], pending, {Role.BROKER})
    assert pending.is_broker is False


def test_the_last_coordinator_cannot_step_down(team):
    m = team["ria_m"]
    with pytest.raises(DomainError) as info:
        services.set_roles(db.session, team["ria"], m, {Role.BROKER})
    assert not isinstance(info.value, NotAllowed)
    assert m.is_coordinator is True and m.is_broker is False


def test_the_last_coordinator_cannot_be_demoted_from_the_command_line(team):
    with pytest.raises(DomainError):
        services.set_roles(db.session, None, team["ria_m"], set())
    assert team["ria_m"].is_coordinator is True


def test_a_coordinator_can_step_down_when_another_remains(team):
    services.set_roles(db.session, team["ria"], team["henk_m"], {Role.COORDINATOR})
    services.set_roles(db.session, team["ria"], team["ria_m"], set())
    db.session.commit()
    assert team["ria_m"].roles == [Role.MEMBER]
    assert team["henk_m"].is_coordinator


def test_a_pending_coordinator_does_not_count_as_the_other_coordinator(team):
    # A declined or pending row with a stale coordinator flag must not let the last active one go.
    stale = add_request(team["ini"], make_neighbour(hood_named("Zuilen")))
    stale.is_coordinator = True
    db.session.flush()
    with pytest.raises(DomainError):
        services.set_roles(db.session, team["ria"], team["ria_m"], set())


def test_a_site_admin_may_remove_the_last_coordinator(team):
    services.set_roles(db.session, team["admin"], team["ria_m"], set())
    db.session.commit()
    assert team["ria_m"].roles == [Role.MEMBER]


# --- grant_role ---------------------------------------------------------------------------------

def test_grant_role_makes_an_active_member(kracht):
    somebody = make_neighbour(hood_named("Everdingen"))  # the admin may add anyone
    m = services.grant_role(db.session, kracht, somebody, Role.TREASURER)
    db.session.commit()
    assert m.status == MembershipStatus.ACTIVE and m.decided_at is not None
    assert m.roles == [Role.MEMBER, Role.TREASURER]


def test_grant_role_adds_to_the_roles_held(kracht):
    henk = make_neighbour(hood_named("Zuilen"))
    services.grant_role(db.session, kracht, henk, Role.BROKER)
    services.grant_role(db.session, kracht, henk, Role.COORDINATOR)
    services.grant_role(db.session, kracht, henk, Role.MEMBER)
    db.session.commit()
    rows = db.session.scalars(sa.select(Membership)).all()
    assert len(rows) == 1
    assert rows[0].roles == [Role.MEMBER, Role.BROKER, Role.COORDINATOR]


@pytest.mark.parametrize("status", [MembershipStatus.PENDING, MembershipStatus.DECLINED])
def test_grant_role_approves_an_open_or_declined_request(kracht, status):
    henk = make_neighbour(hood_named("Zuilen"))
    m = add_request(kracht, henk)
    m.status = status
    services.grant_role(db.session, kracht, henk, Role.MEMBER)
    db.session.commit()
    assert m.status == MembershipStatus.ACTIVE
    assert m.roles == [Role.MEMBER]
