"""Neighbourhoods, postcodes, initiatives and the roles people hold in them."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods import emails
from buurthulp.neighbourhoods.models import (
    BrokerTitle,
    Initiative,
    Membership,
    MembershipStatus,
    Neighbourhood,
    NeighbourhoodPostcode,
    Role,
    initiative_neighbourhood,
    neighbourhood_adjacency,
)

PREFIX_RE = re.compile(r"^[1-9][0-9]{3}([A-Z]{2})?$")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def covering_neighbourhoods(session, postcode: str | None) -> list[Neighbourhood]:
    """The neighbourhoods whose postcode areas hold this postcode, the most specific (PC6 before PC4) first."""
    compact = (postcode or "").replace(" ", "").upper()
    if not compact:
        return []
    return list(session.scalars(
        sa.select(Neighbourhood)
        .join(NeighbourhoodPostcode)
        .where(NeighbourhoodPostcode.prefix.in_([compact, compact[:4]]))
        .order_by(sa.func.length(NeighbourhoodPostcode.prefix).desc(), Neighbourhood.name)
    ))


def neighbourhood_for_postcode(session, postcode: str) -> Neighbourhood | None:
    """The neighbourhood whose longest postcode prefix (PC6 before PC4) fits."""
    covering = covering_neighbourhoods(session, postcode)
    return covering[0] if covering else None


def home_neighbourhood(session, postcode: str, chosen: Neighbourhood | None = None,
                       person: Neighbour | None = None) -> Neighbourhood | None:
    """The neighbourhood someone at ``postcode`` lives in: the neighbourhood follows the postcode.

    One that covers the postcode: ``chosen`` if it does (where a PC6 and a PC4 area both hold it, the person
    chooses), else the one already held if it does, else the most specific. A choice that does not cover the
    postcode counts for nothing, so nobody moves themselves into a neighbourhood far away. Where no
    neighbourhood covers the postcode, ``person`` keeps the neighbourhood a broker or coordinator placed them in
    (``place_in_neighbourhood``) as long as their postcode stays the same; otherwise they have none yet.
    """
    covering = covering_neighbourhoods(session, postcode)
    current = person.neighbourhood if person is not None else None
    if covering:
        for candidate in (chosen, current):
            if candidate is not None and candidate in covering:
                return candidate
        return covering[0]
    if person is not None and current is not None and person.postcode == postcode:
        return current
    return None


def place_in_neighbourhood(session, actor: Neighbour, initiative: Initiative, person: Neighbour | None,
                           neighbourhood: Neighbourhood) -> None:
    """A broker or coordinator approves a neighbourhood for someone whose postcode no neighbourhood covers."""
    if not access.may_place_in_neighbourhood(session, actor, initiative, neighbourhood):
        raise NotAllowed(_l("Only a broker or coordinator of an initiative working in this neighbourhood can do this."))
    # One answer for every refusal: the form does not tell who has an account, or where they live.
    if (person is None or person.deleted_at is not None or person.is_proxy or not person.postcode
            or covering_neighbourhoods(session, person.postcode)):
        raise DomainError(_l("We found nobody with this e-mail address whose postcode no neighbourhood covers. "
                             "Where a neighbourhood covers someone's postcode, that is their neighbourhood."))
    person.neighbourhood = neighbourhood
    person.latitude, person.longitude = neighbourhood.centre_lat, neighbourhood.centre_lon


def all_neighbourhoods(session) -> list[Neighbourhood]:
    return list(session.scalars(sa.select(Neighbourhood).order_by(Neighbourhood.municipality, Neighbourhood.name)))


def parse_postcode_prefixes(text: str) -> list[str]:
    """PC4 or PC6 prefixes from a comma-separated list ("3554, 3555 AB"); at least one."""
    raw = re.split(r"[,;\n]+", text.upper())
    prefixes = []
    for item in raw:
        item = item.replace(" ", "").strip()
        if not item:
            continue
        if not PREFIX_RE.match(item):
            raise DomainError(_l("“%(item)s” is not a postcode area. Use four digits (3554) or four digits and two letters (3554 AB).", item=item))
        if item not in prefixes:
            prefixes.append(item)
    if not prefixes:
        raise DomainError(_l("Fill in at least one postcode area."))
    return prefixes


def save_neighbourhood(session, neighbourhood: Neighbourhood | None, *, name: str, municipality: str,
                       prefixes: list[str], adjacent: list[Neighbourhood], centre_lat: float | None = None,
                       centre_lon: float | None = None) -> Neighbourhood:
    """Create or update a neighbourhood; adjacency is kept symmetric."""
    if not prefixes:
        raise DomainError(_l("Fill in at least one postcode area."))
    if neighbourhood is None:
        neighbourhood = Neighbourhood(slug=_unique_slug(session, Neighbourhood, name))
        session.add(neighbourhood)
    neighbourhood.name = name.strip()
    neighbourhood.municipality = municipality.strip()
    neighbourhood.centre_lat, neighbourhood.centre_lon = centre_lat, centre_lon
    session.flush()
    taken = session.execute(
        sa.select(NeighbourhoodPostcode.prefix, Neighbourhood.name)
        .join(Neighbourhood)
        .where(NeighbourhoodPostcode.prefix.in_(prefixes), Neighbourhood.id != neighbourhood.id)
    ).first()
    if taken:
        raise DomainError(_l("Postcode area %(prefix)s already belongs to %(name)s.", prefix=taken[0], name=taken[1]))
    existing = {p.prefix: p for p in neighbourhood.postcodes}
    neighbourhood.postcodes = [existing.get(p) or NeighbourhoodPostcode(prefix=p) for p in prefixes]
    session.flush()
    set_adjacent(session, neighbourhood, [n for n in adjacent if n.id != neighbourhood.id])
    return neighbourhood


def set_adjacent(session, neighbourhood: Neighbourhood, adjacent: list[Neighbourhood]) -> None:
    """Make ``adjacent`` the neighbours of ``neighbourhood``, in both directions."""
    t = neighbourhood_adjacency
    before = set(session.scalars(sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == neighbourhood.id)))
    session.execute(sa.delete(t).where(sa.or_(t.c.neighbourhood_id == neighbourhood.id, t.c.adjacent_id == neighbourhood.id)))
    rows = []
    for other in adjacent:
        rows += [{"neighbourhood_id": neighbourhood.id, "adjacent_id": other.id},
                 {"neighbourhood_id": other.id, "adjacent_id": neighbourhood.id}]
    if rows:
        session.execute(sa.insert(t), rows)
    # Both sides changed, including neighbourhoods that are no longer next to it.
    session.expire(neighbourhood, ["adjacent"])
    for other_id in before | {n.id for n in adjacent}:
        other = session.identity_map.get(so.util.identity_key(Neighbourhood, other_id))
        if other is not None:
            session.expire(other, ["adjacent"])


def nearby_neighbourhood_ids(session, neighbourhood_id: int) -> list[int]:
    """A neighbourhood and the ones next to it."""
    t = neighbourhood_adjacency
    ids = session.scalars(sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == neighbourhood_id)).all()
    return [neighbourhood_id, *ids]


def _unique_slug(session, model, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(sa.select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_initiative(session, initiative: Initiative | None, *, name: str, description: str,
                    contact_email: str | None, neighbourhoods: list[Neighbourhood]) -> Initiative:
    """Create or update an initiative and the neighbourhoods it works in."""
    if not neighbourhoods:
        raise DomainError(_l("Choose at least one neighbourhood the initiative works in."))
    if initiative is None:
        initiative = Initiative(slug=_unique_slug(session, Initiative, name))
        session.add(initiative)
    initiative.name = name.strip()
    initiative.description = (description or "").strip()
    initiative.contact_email = (contact_email or "").strip().lower() or None
    initiative.neighbourhoods = list(neighbourhoods)
    session.flush()
    return initiative


def memberships_of(neighbour: Neighbour) -> list[Membership]:
    """A neighbour's memberships (any status), with their initiatives, in one query."""
    return list(db.session.scalars(
        sa.select(Membership)
        .where(Membership.neighbour_id == neighbour.id)
        .options(so.joinedload(Membership.initiative))
        .order_by(Membership.requested_at)
    ))


def membership(session, initiative: Initiative, neighbour: Neighbour) -> Membership | None:
    return session.scalar(
        sa.select(Membership).where(Membership.initiative_id == initiative.id, Membership.neighbour_id == neighbour.id)
    )


def has_role(session, neighbour: Neighbour, initiative: Initiative, role: Role) -> bool:
    m = membership(session, initiative, neighbour)
    return m is not None and m.has_role(role)


def can_manage(session, neighbour: Neighbour, initiative: Initiative) -> bool:
    """Site admins and the initiative's coordinators manage its members."""
    return neighbour.is_admin or has_role(session, neighbour, initiative, Role.COORDINATOR)


def initiatives_near(session, neighbour: Neighbour) -> list[Initiative]:
    """Initiatives working in the neighbour's own neighbourhood."""
    if neighbour.neighbourhood_id is None:
        return []
    return list(session.scalars(
        sa.select(Initiative)
        .join(initiative_neighbourhood)
        .where(initiative_neighbourhood.c.neighbourhood_id == neighbour.neighbourhood_id)
        .options(so.selectinload(Initiative.neighbourhoods))
        .order_by(Initiative.name)
    ))


def request_membership(session, neighbour: Neighbour, initiative: Initiative) -> Membership:
    """Ask to join an initiative of one's own neighbourhood; coordinators are told."""
    if neighbour.neighbourhood_id not in {n.id for n in initiative.neighbourhoods}:
        raise NotAllowed(_l("You can join initiatives that work in your own neighbourhood."))
    existing = membership(session, initiative, neighbour)
    if existing and existing.status in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        raise DomainError(_l("You have already asked to join this initiative."))
    if existing:
        existing.status = MembershipStatus.PENDING
        existing.requested_at = utcnow()
        existing.decided_at = existing.decided_by_id = None
        m = existing
    else:
        m = Membership(initiative=initiative, neighbour=neighbour, status=MembershipStatus.PENDING)
        session.add(m)
    session.flush()
    emails.join_request(session, initiative, neighbour)
    return m


def decide_membership(session, actor: Neighbour, m: Membership, approve: bool) -> None:
    """A coordinator (or site admin) approves or declines a join request."""
    if not can_manage(session, actor, m.initiative):
        raise NotAllowed(_l("Only a coordinator of this initiative can do this."))
    if m.status != MembershipStatus.PENDING:
        raise DomainError(_l("This request has already been handled."))
    m.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
    m.decided_at = utcnow()
    m.decided_by_id = actor.id
    if approve:
        emails.welcome(session, m)


EXTRA_ROLES = (Role.BROKER, Role.TREASURER, Role.COORDINATOR)


def set_roles(session, actor: Neighbour | None, m: Membership, roles: set[Role]) -> None:
    """Set a member's extra roles; an initiative always keeps one coordinator."""
    if actor is not None and not can_manage(session, actor, m.initiative):
        raise NotAllowed(_l("Only a coordinator of this initiative can do this."))
    if m.status != MembershipStatus.ACTIVE:
        raise DomainError(_l("Approve the request before giving roles."))
    if m.is_coordinator and Role.COORDINATOR not in roles:
        others = session.scalar(
            sa.select(sa.func.count()).select_from(Membership)
            .where(Membership.initiative_id == m.initiative_id, Membership.is_coordinator,
                   Membership.status == MembershipStatus.ACTIVE, Membership.id != m.id)
        )
        if not others and not (actor is not None and actor.is_admin):
            raise DomainError(_l("An initiative needs at least one coordinator. Make someone else coordinator first."))
    m.is_broker = Role.BROKER in roles
    m.is_treasurer = Role.TREASURER in roles
    m.is_coordinator = Role.COORDINATOR in roles


def grant_role(session, initiative: Initiative, neighbour: Neighbour, role: Role) -> Membership:
    """Make a neighbour an active member with ``role`` (admin area and CLI)."""
    m = membership(session, initiative, neighbour)
    if m is None:
        m = Membership(initiative=initiative, neighbour=neighbour)
        session.add(m)
    if m.status != MembershipStatus.ACTIVE:
        m.status = MembershipStatus.ACTIVE
        m.decided_at = utcnow()
    if role != Role.MEMBER:
        setattr(m, f"is_{role.value}", True)
    session.flush()
    return m


def remove_member(session, actor: Neighbour, m: Membership) -> None:
    """End someone's membership (they can ask again later)."""
    if m.status == MembershipStatus.ACTIVE:
        set_roles(session, actor, m, set())  # keeps the last coordinator from leaving
    elif not can_manage(session, actor, m.initiative):
        raise NotAllowed(_l("Only a coordinator of this initiative can do this."))
    session.delete(m)


def visible_categories(session, neighbourhood_id: int | None) -> list:
    """The categories offered in a neighbourhood: all but those that every initiative working there hides."""
    if neighbourhood_id is None:
        return list(Category)
    hidden_lists = session.scalars(
        sa.select(Initiative.hidden_categories).join(initiative_neighbourhood)
        .where(initiative_neighbourhood.c.neighbourhood_id == neighbourhood_id)
    ).all()
    if not hidden_lists:
        return list(Category)
    hidden_everywhere = set.intersection(*({c for c in h.split(",") if c} for h in hidden_lists))
    return [c for c in Category if c.value not in hidden_everywhere]


def set_broker_title(session, actor: Neighbour, initiative: Initiative, title: BrokerTitle | str) -> None:
    """A coordinator (or site admin) chooses what the residents' pages call the initiative's broker."""
    if not can_manage(session, actor, initiative):
        raise NotAllowed(_l("Only a coordinator of this initiative can do this."))
    try:
        initiative.broker_title = BrokerTitle(title)
    except ValueError:
        raise DomainError(_l("Choose one of the titles for the broker.")) from None


def set_hidden_categories(session, actor: Neighbour, initiative: Initiative, categories) -> None:
    """A coordinator (or site admin) chooses which categories the initiative does not take on."""
    if not can_manage(session, actor, initiative):
        raise NotAllowed(_l("Only a coordinator of this initiative can do this."))
    wanted = {Category(c).value for c in categories}
    initiative.hidden_categories = ",".join(c.value for c in Category if c.value in wanted)
