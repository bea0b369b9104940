"""Small helpers that make the rows a test needs; they flush, the test commits."""

from __future__ import annotations

import itertools

from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, Neighbourhood, Role

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_neighbourhood(name: str | None = None, postcodes=None, adjacent=(), municipality: str = "Utrecht",
                       centre=(52.11, 5.09)) -> Neighbourhood:
    n = next(_counter)
    name = name or f"Buurt {n}"
    hood = services.save_neighbourhood(
        db.session, None, name=name, municipality=municipality,
        prefixes=list(postcodes) if postcodes is not None else [str(1000 + n)],
        adjacent=list(adjacent), centre_lat=centre[0] if centre else None, centre_lon=centre[1] if centre else None,
    )
    return hood


def make_neighbour(neighbourhood: Neighbourhood | None = None, *, email: str | None = None, name: str | None = None,
                   password: str = PASSWORD, confirmed: bool = True, is_admin: bool = False, locale: str = "nl",
                   postcode: str = "3554 AB", **kw) -> Neighbour:
    n = next(_counter)
    neighbour = Neighbour(
        display_name=name or f"Buurtgenoot {n}", email=email or f"neighbour{n}@example.org",
        email_confirmed_at=utcnow() if confirmed else None, neighbourhood=neighbourhood, postcode=postcode,
        is_admin=is_admin, locale=locale, **kw,
    )
    neighbour.set_password(password)
    db.session.add(neighbour)
    db.session.flush()
    return neighbour


def make_initiative(*neighbourhoods: Neighbourhood, name: str | None = None) -> Initiative:
    return services.save_initiative(db.session, None, name=name or f"Initiatief {next(_counter)}", description="",
                                    contact_email=None, neighbourhoods=list(neighbourhoods))


def add_member(initiative: Initiative, neighbour: Neighbour, *roles: Role) -> Membership:
    m = services.grant_role(db.session, initiative, neighbour, Role.MEMBER)
    for role in roles:
        services.grant_role(db.session, initiative, neighbour, role)
    return m


def add_request(initiative: Initiative, neighbour: Neighbour) -> Membership:
    m = Membership(initiative=initiative, neighbour=neighbour, status=MembershipStatus.PENDING)
    db.session.add(m)
    db.session.flush()
    return m
