"""`flask admin ...` and `flask demo`: setting up a site from the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Initiative, Membership, Neighbourhood, Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood

GOOD_PASSWORD = "lantaarn fiets molen"
TOO_COMMON = "This password is too common and easy to guess. Choose another, for example three unrelated words."


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default app prints it (Dutch once the nl catalogue has it)."""
    with force_locale("nl"):
        return gettext(msgid, **variables)


def one_line(output: str) -> str:
    return " ".join(output.split())


def after_exit():
    """A failed command exits without committing; the tests share its session, so end it here."""
    db.session.rollback()


def rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def hood(slug: str) -> Neighbourhood | None:
    return db.session.scalar(sa.select(Neighbourhood).where(Neighbourhood.slug == slug))


# --- create-admin -------------------------------------------------------------------------------

def test_create_admin(runner, client):
    result = runner.invoke(args=["admin", "create-admin", "Beheer@Example.org", "--name", "Beheer",
                                 "--password", GOOD_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "beheer@example.org" in result.output

    admin = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "beheer@example.org"))
    assert (admin.display_name, admin.is_admin, admin.email_confirmed) == ("Beheer", True, True)
    client.login("beheer@example.org", GOOD_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_create_admin_asks_for_the_password(runner):
    result = runner.invoke(args=["admin", "create-admin", "beheer@example.org"],
                           input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "beheer@example.org"))
    assert admin.is_admin and admin.display_name == "Beheerder"  # the default name
    assert admin.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize("password, msgid", [
    ("password123", TOO_COMMON),
    ("aaaaaaaaaaaa", TOO_COMMON),
    ("kort", "Choose a password of at least %(n)d characters."),
    ("beheer@example.org", "Your password should not be your e-mail address."),
])
def test_create_admin_refuses_a_weak_password(runner, password, msgid):
    result = runner.invoke(args=["admin", "create-admin", "beheer@example.org", "--password", password])
    after_exit()
    assert result.exit_code != 0
    expected = nl(msgid, n=10) if "%(n)d" in msgid else nl(msgid)
    assert one_line(expected) in one_line(result.output)
    assert rows(Neighbour) == 0


def test_create_admin_promotes_an_existing_neighbour(runner, client):
    make_neighbour(None, email="ria@example.org", name="Ria")
    db.session.commit()
    # The password is not used for an existing account: Ria keeps her own.
    result = runner.invoke(args=["admin", "create-admin", "RIA@example.org", "--password", "password123"])
    assert result.exit_code == 0, result.output
    assert rows(Neighbour) == 1
    client.login("ria@example.org")
    assert client.get("/admin/").status_code == 200


# --- create-neighbourhood -----------------------------------------------------------------------

def test_create_neighbourhood(runner):
    result = runner.invoke(args=["admin", "create-neighbourhood", "Zuilen", "--municipality", "Utrecht",
                                 "--postcodes", "3554, 3555 ab", "--centre", "52.1105,5.0935"])
    assert result.exit_code == 0, result.output
    assert "zuilen" in result.output
    zuilen = hood("zuilen")
    assert (zuilen.name, zuilen.municipality, zuilen.postcode_list) == ("Zuilen", "Utrecht", "3554, 3555AB")
    assert (zuilen.centre_lat, zuilen.centre_lon) == pytest.approx((52.1105, 5.0935))

    result = runner.invoke(args=["admin", "create-neighbourhood", "Ondiep", "--municipality", "Utrecht",
                                 "--postcodes", "3552", "--adjacent", "zuilen"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [n.slug for n in hood("ondiep").adjacent] == ["zuilen"]
    assert [n.slug for n in hood("zuilen").adjacent] == ["ondiep"]
    assert services.neighbourhood_for_postcode(db.session, "3552 XY").slug == "ondiep"


@pytest.mark.parametrize("extra, message", [
    (["--postcodes", "3552", "--adjacent", "zuilen,nowhere"], "unknown neighbourhood(s): nowhere"),
    (["--postcodes", "0123"], "0123"),
    (["--postcodes", "3552, 3554"], "3554"),
    (["--postcodes", "3552", "--centre", "noord"], "--centre"),
])
def test_create_neighbourhood_errors(runner, extra, message):
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    result = runner.invoke(args=["admin", "create-neighbourhood", "Ondiep", "--municipality", "Utrecht", *extra])
    after_exit()
    assert result.exit_code == 1
    assert message in result.output
    assert hood("ondiep") is None
    assert hood("zuilen").adjacent == []


def test_create_neighbourhood_needs_municipality_and_postcodes(runner):
    result = runner.invoke(args=["admin", "create-neighbourhood", "Ondiep"])
    after_exit()
    assert result.exit_code == 2
    assert rows(Neighbourhood) == 0


# --- create-initiative --------------------------------------------------------------------------

def test_create_initiative(runner):
    make_neighbourhood("Zuilen", ["3554"])
    make_neighbourhood("Ondiep", ["3552"])
    db.session.commit()
    result = runner.invoke(args=["admin", "create-initiative", "Kracht van Zuilen",
                                 "--neighbourhoods", "zuilen, ondiep", "--description", "Omzien naar elkaar.",
                                 "--contact-email", "Info@Kracht.example"])
    assert result.exit_code == 0, result.output
    assert "kracht-van-zuilen" in result.output
    ini = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    assert (ini.name, ini.description, ini.contact_email) == ("Kracht van Zuilen", "Omzien naar elkaar.",
                                                               "info@kracht.example")
    assert [n.slug for n in ini.neighbourhoods] == ["ondiep", "zuilen"]


@pytest.mark.parametrize("slugs, message", [
    ("zuilen,atlantis", "unknown neighbourhood(s): atlantis"),
    (" , ", None),
])
def test_create_initiative_errors(runner, slugs, message):
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    result = runner.invoke(args=["admin", "create-initiative", "Kracht", "--neighbourhoods", slugs])
    after_exit()
    assert result.exit_code == 1
    assert one_line(message or nl("Choose at least one neighbourhood the initiative works in.")) \
        in one_line(result.output)
    assert rows(Initiative) == 0


# --- grant-role ---------------------------------------------------------------------------------

@pytest.fixture
def kracht(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ini = make_initiative(zuilen, name="Kracht van Zuilen")
    make_neighbour(zuilen, email="ria@example.org", name="Ria")
    db.session.commit()
    return ini


def test_grant_role(runner, kracht):
    result = runner.invoke(args=["admin", "grant-role", "kracht-van-zuilen", "RIA@example.org", "coordinator"])
    assert result.exit_code == 0, result.output
    assert "ria@example.org is coordinator of kracht-van-zuilen" in result.output
    result = runner.invoke(args=["admin", "grant-role", "kracht-van-zuilen", "ria@example.org", "treasurer"])
    assert result.exit_code == 0, result.output

    db.session.expire_all()
    m = db.session.scalar(sa.select(Membership))
    assert m.roles == [Role.MEMBER, Role.TREASURER, Role.COORDINATOR]
    assert rows(Membership) == 1


@pytest.mark.parametrize("args, code, message", [
    (["atlantis", "ria@example.org", "member"], 1, "unknown initiative: atlantis"),
    (["kracht-van-zuilen", "nobody@example.org", "member"], 1, "no neighbour with e-mail nobody@example.org"),
    (["kracht-van-zuilen", "gone@example.org", "member"], 1, "no neighbour with e-mail gone@example.org"),
    (["kracht-van-zuilen", "ria@example.org", "king"], 2, "king"),
])
def test_grant_role_errors(runner, kracht, args, code, message):
    from buurthulp.db import utcnow

    make_neighbour(None, email="gone@example.org", deleted_at=utcnow())
    db.session.commit()
    result = runner.invoke(args=["admin", "grant-role", *args])
    after_exit()
    assert result.exit_code == code
    assert message in result.output
    assert rows(Membership) == 0


# --- flask demo ---------------------------------------------------------------------------------

def table_rows() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_demo_is_idempotent(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = table_rows()
    assert after_first["neighbourhood"] == 4
    assert after_first["initiative"] == 2
    assert after_first["neighbour"] == 13
    assert after_first["membership"] > 0 and after_first["neighbourhood_adjacency"] > 0

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert table_rows() == after_first
    assert "0 neighbourhoods added, 0 initiatives added, 0 neighbours added" in second.output

    # The demo coordinator can manage her initiative.
    client.login("ria@example.org", "zuilen-demo-2026")
    assert client.get("/initiatives/kracht-van-zuilen").status_code == 200
    ria = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "ria@example.org"))
    ini = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    assert services.can_manage(db.session, ria, ini)


def test_demo_only_if_empty_leaves_a_used_database_alone(runner):
    make_neighbour(None, email="someone@example.org")
    db.session.commit()
    before = table_rows()
    result = runner.invoke(args=["demo", "--only-if-empty"])
    assert result.exit_code == 0, result.output
    assert table_rows() == before
    assert before["neighbourhood"] == 0


def test_demo_only_if_empty_loads_an_empty_database(runner):
    result = runner.invoke(args=["demo", "--only-if-empty"])
    assert result.exit_code == 0, result.output
    assert table_rows()["neighbour"] == 13


def test_demo_adds_what_is_missing(runner):
    runner.invoke(args=["demo"])
    ria = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "ria@example.org"))
    db.session.execute(sa.delete(Membership).where(Membership.neighbour_id == ria.id))
    db.session.delete(ria)
    db.session.commit()

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "1 neighbours added" in result.output
    ria = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "ria@example.org"))
    ini = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    assert services.has_role(db.session, ria, ini, Role.COORDINATOR)
    assert rows(Neighbour) == 13


def test_admin_commands_have_help(runner):
    result = runner.invoke(args=["admin", "--help"])
    assert result.exit_code == 0
    for command in ("create-admin", "create-neighbourhood", "create-initiative", "grant-role"):
        assert command in result.output


def test_existing_members_are_kept_by_grant_role(runner, kracht):
    ria = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == "ria@example.org"))
    add_member(kracht, ria, Role.BROKER)
    db.session.commit()
    result = runner.invoke(args=["admin", "grant-role", "kracht-van-zuilen", "ria@example.org", "member"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Membership)).roles == [Role.MEMBER, Role.BROKER]
