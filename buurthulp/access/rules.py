"""Who may do what in an initiative: roles, the people, asks and matches its brokers act for, profiles, the pot, placing people."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context, request

from buurthulp.accounts.models import Neighbour
from buurthulp.neighbourhoods.models import (
    Initiative,
    Membership,
    MembershipStatus,
    Neighbourhood,
    initiative_neighbourhood,
    neighbourhood_adjacency,
)
from buurthulp.posts.models import Block, Match, Post
from buurthulp.pot.models import PotAccount

# --- roles in an initiative ---------------------------------------------------------------------


def _holds(session, person: Neighbour, initiative_id: int, *roles) -> bool:
    """An active membership of the initiative with one of ``roles`` (Membership columns); any role if none given."""
    if person is None or not getattr(person, "is_authenticated", True) or person.id is None:
        return False
    return bool(session.scalar(sa.select(sa.exists().where(
        Membership.neighbour_id == person.id, Membership.initiative_id == initiative_id,
        Membership.status == MembershipStatus.ACTIVE, *([sa.or_(*roles)] if roles else [])))))


def is_broker_of(session, person: Neighbour, initiative: Initiative) -> bool:
    """An active broker of the initiative. Site admins are not brokers: they get no broker rights from being admin."""
    return _holds(session, person, initiative.id, Membership.is_broker)


def is_member_of(session, person: Neighbour, initiative: Initiative) -> bool:
    """An approved (active) member of the initiative, in any role; a request not yet approved is not membership."""
    return _holds(session, person, initiative.id)


# --- the people, asks and matches an initiative's brokers act for -------------------------------

def _id(initiative):
    """An initiative's id: from the row, or a column or number as given (for use inside a query)."""
    return initiative.id if isinstance(initiative, Initiative) else initiative


def _hoods_of(initiative):
    return (sa.select(initiative_neighbourhood.c.neighbourhood_id)
            .where(initiative_neighbourhood.c.initiative_id == _id(initiative)).scalar_subquery())


def _proxies_of_others(initiative):
    """The proxy neighbours other initiatives represent."""
    return (sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id.is_not(None),
                                          Neighbour.proxy_initiative_id != _id(initiative)).scalar_subquery())


def served_by(initiative):
    """SQL condition on Neighbour: someone the initiative's brokers act for.

    Its own proxy neighbours, and neighbours with a log-in who live in one of its neighbourhoods; nobody deleted.
    Another initiative's proxy neighbour is not among them, also where both initiatives serve that neighbourhood:
    only the brokers who represent a proxy neighbour see, print, export, delete or answer for them.
    ``initiative`` is the row, or an initiative id column inside a query.
    """
    return sa.and_(Neighbour.deleted_at.is_(None),
                   sa.or_(Neighbour.proxy_initiative_id == _id(initiative),
                          sa.and_(Neighbour.proxy_initiative_id.is_(None),
                                  Neighbour.neighbourhood_id.in_(_hoods_of(initiative)))))


def post_served_by(initiative):
    """SQL condition on Post: an ask or offer the initiative's brokers work on.

    In one of its neighbourhoods, and not posted by (or for) another initiative's proxy neighbour.
    """
    return sa.and_(Post.neighbourhood_id.in_(_hoods_of(initiative)), Post.author_id.not_in(_proxies_of_others(initiative)))


def match_served_by(initiative):
    """SQL condition on Match: a match the initiative's brokers follow up and keep notes on.

    Its post (the ask, else the offer) lies in one of the initiative's neighbourhoods, and neither person is
    another initiative's proxy neighbour.
    """
    ask, offer = so.aliased(Post), so.aliased(Post)
    hoods = _hoods_of(initiative)
    others = _proxies_of_others(initiative)
    # two lookups by primary key; a join on coalesce(ask_id, offer_id) made PostgreSQL read every post
    return sa.and_(
        sa.or_(sa.exists().where(ask.id == Match.ask_id, ask.neighbourhood_id.in_(hoods)),
               sa.and_(Match.ask_id.is_(None),
                       sa.exists().where(offer.id == Match.offer_id, offer.neighbourhood_id.in_(hoods)))),
        Match.asker_id.not_in(others), Match.helper_id.not_in(others))


def _is(session, model, row_id: int, condition) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(model.id == row_id, condition))))


def may_use_workspace(session, actor: Neighbour, initiative: Initiative) -> bool:
    """The broker workspace of an initiative (queue, lists, figures, adding a proxy neighbour): its active brokers."""
    return is_broker_of(session, actor, initiative)


def may_broker_for(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """See a person in the workspace, print their overview, keep notes on them, propose them for a match:
    a broker of the initiative, for someone it serves (``served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Neighbour, person.id, served_by(initiative))


def once_per_page(name: str, key, ask):
    """``ask()``, answered once per page that reads (GET or HEAD): a page asks several rules that ask the same
    thing (am I blocked, is it near, is this a moderator, which initiatives do I broker for). A request that
    changes something asks the database every time, so it never acts on an answer from before its change."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return ask()
    answers = g.setdefault("_access_answers", {})
    if (name, key) not in answers:
        answers[name, key] = ask()
    return answers[name, key]


def _broker_initiative_ids(session, actor: Neighbour) -> list[int]:
    if actor is None or not getattr(actor, "is_authenticated", True) or actor.id is None:
        return []
    return list(once_per_page("broker_initiative_ids", actor.id, lambda: tuple(session.scalars(
        sa.select(Membership.initiative_id).where(
            Membership.neighbour_id == actor.id, Membership.status == MembershipStatus.ACTIVE, Membership.is_broker)))))


def _served_by_any(session, actor: Neighbour, model, row_id: int, condition) -> bool:
    """Whether one of the initiatives ``actor`` is a broker of serves the row: ``condition(initiative_id)``."""
    ids = _broker_initiative_ids(session, actor)
    return bool(ids) and _is(session, model, row_id, sa.or_(*(condition(i) for i in ids)))


def brokers_for(session, actor: Neighbour, person: Neighbour) -> bool:
    """A broker of some initiative that serves ``person`` (``served_by``): of any of their neighbourhood's
    initiatives for a neighbour with a log-in, of their own initiative for a proxy neighbour."""
    return _served_by_any(session, actor, Neighbour, person.id, served_by)


def brokers_post(session, actor: Neighbour, post: Post) -> bool:
    """A broker of some initiative that serves the post (``post_served_by``): who reads its private details."""
    return _served_by_any(session, actor, Post, post.id, post_served_by)


def brokers_match(session, actor: Neighbour, match: Match) -> bool:
    """A broker of some initiative that serves the match (``match_served_by``): who reads its conversation."""
    return _served_by_any(session, actor, Match, match.id, match_served_by)


def may_act_for_proxy(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """Post for, answer for, export or delete a neighbour without internet: a broker of the initiative that
    represents them (their proxy initiative), nobody else."""
    return (person.proxy_initiative_id == initiative.id and person.deleted_at is None
            and is_broker_of(session, actor, initiative))


def may_broker_post(session, actor: Neighbour, initiative: Initiative, post: Post) -> bool:
    """Open an ask in the workspace, match it by hand, refer it: a broker of the initiative, for a post it serves
    (``post_served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Post, post.id, post_served_by(initiative))


def may_broker_match(session, actor: Neighbour, initiative: Initiative, match: Match) -> bool:
    """Open a match in the workspace, follow it up, keep notes on it, answer it for a proxy neighbour: a broker of
    the initiative, for a match it serves (``match_served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Match, match.id, match_served_by(initiative))


def may_act_on_match_for(session, actor: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour) -> bool:
    """Do on a match what a proxy neighbour would do themselves (done, thanks, cancel, block, read and write the
    conversation): a broker of the initiative that represents them (``may_act_for_proxy``), on a match it serves
    (``may_broker_match``) that is the proxy's own."""
    return (match.is_participant(proxy.id) and may_act_for_proxy(session, actor, initiative, proxy)
            and may_broker_match(session, actor, initiative, match))


# --- profiles -----------------------------------------------------------------------------------

def _nearby(neighbourhood_id: int):
    """A neighbourhood and the ones next to it, inside a query."""
    t = neighbourhood_adjacency
    return sa.union(sa.select(sa.literal(neighbourhood_id)),
                    sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == neighbourhood_id))


def profile_seen_by(session, viewer: Neighbour):
    """SQL condition on Neighbour: a profile ``viewer`` may see (the rule ``may_see_profile`` states and evaluates).

    For a list that shows something only where the profile may be seen (a photo beside a name), in one query.
    """
    if viewer is None or not getattr(viewer, "is_authenticated", False) or viewer.id is None:
        return sa.false()
    brokered = [served_by(initiative_id) for initiative_id in _broker_initiative_ids(session, viewer)]
    if viewer.neighbourhood_id is None:
        near = sa.false()
    else:
        t = neighbourhood_adjacency
        near = sa.or_(Neighbour.neighbourhood_id == viewer.neighbourhood_id,
                      sa.exists().where(t.c.neighbourhood_id == Neighbour.neighbourhood_id,
                                        t.c.adjacent_id == viewer.neighbourhood_id))
    matched = sa.exists().where(sa.or_(sa.and_(Match.asker_id == viewer.id, Match.helper_id == Neighbour.id),
                                       sa.and_(Match.asker_id == Neighbour.id, Match.helper_id == viewer.id)))
    blocked_viewer = sa.exists().where(Block.blocker_id == Neighbour.id, Block.blocked_id == viewer.id)
    return sa.and_(Neighbour.deleted_at.is_(None), sa.or_(
        Neighbour.id == viewer.id,
        *brokered,
        # only the brokers who represent a proxy neighbour; someone who blocked you is not there for you
        sa.and_(Neighbour.proxy_initiative_id.is_(None), ~blocked_viewer, sa.or_(near, matched))))


def may_see_profile(session, viewer: Neighbour, person: Neighbour) -> bool:
    """A neighbour's profile page (``/neighbours/<id>``) and what leads to it (links, blocking, their photo).

    One's own profile, always. A proxy neighbour's profile only to the brokers who represent them. Someone else's
    to a broker of an initiative that serves them, and to neighbours who live in the same or a bordering
    neighbourhood or have a match with them, unless they blocked the viewer. Not to anyone else, site admins
    included (the admin area has its own list), and nobody's once deleted. (``profile_seen_by`` in SQL.)
    """
    if person is None or person.deleted_at is not None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id:
        return True
    return _is(session, Neighbour, person.id, profile_seen_by(session, viewer))


def may_preview_digest(session, viewer: Neighbour, person: Neighbour) -> bool:
    """A neighbour's monthly digest as it would be sent (preview, and the broker's print-out): site admins, and the
    brokers who serve them (``brokers_for``): not a broker of another initiative for someone it does not serve."""
    if person is None or person.deleted_at is not None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.is_admin or brokers_for(session, viewer, person)


# --- the pot ------------------------------------------------------------------------------------

# The treasurer keeps the books, a coordinator oversees them: both read them, only the treasurer books.
_BOOK_READERS = (Membership.is_treasurer, Membership.is_coordinator)
_BOOK_KEEPERS = (Membership.is_treasurer,)


def may_read_books(session, actor: Neighbour, initiative: Initiative) -> bool:
    """An initiative's books (money held, months, members' accounts and statements, the export): its active
    treasurers, who keep them, and its active coordinators, who oversee them. Site admins get nothing from being
    admin."""
    return _holds(session, actor, initiative.id, *_BOOK_READERS)


def may_keep_books(session, actor: Neighbour, initiative: Initiative) -> bool:
    """Book in an initiative's pot (money in and out, payouts, direct payments, corrections): its active
    treasurers only; a coordinator oversees the books and books nothing."""
    return _holds(session, actor, initiative.id, *_BOOK_KEEPERS)


def may_set_up_pot(session, actor: Neighbour, initiative: Initiative) -> bool:
    """How an initiative's pot compensates help (mode, rates, rule, month end): whoever reads its books
    (``may_read_books``), so its treasurers and coordinators."""
    return may_read_books(session, actor, initiative)


def books_read_by(session, actor: Neighbour) -> set[int]:
    """The ids of the initiatives whose books ``actor`` reads (``may_read_books``), in one query."""
    if actor is None or not getattr(actor, "is_authenticated", True) or actor.id is None:
        return set()
    return set(session.scalars(sa.select(Membership.initiative_id).where(
        Membership.neighbour_id == actor.id, Membership.status == MembershipStatus.ACTIVE, sa.or_(*_BOOK_READERS))))


def _has_pot_account(session, initiative: Initiative, person: Neighbour) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(
        PotAccount.initiative_id == initiative.id, PotAccount.key == f"member:{person.id}"))))


def may_read_own_statement(session, actor: Neighbour, initiative: Initiative) -> bool:
    """One's own statement in an initiative: an approved (active) member, or someone who left (or never was
    approved) but whose account the books still hold."""
    return is_member_of(session, actor, initiative) or _has_pot_account(session, initiative, actor)


def may_read_member_statement(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """One person's statement in the books, with their allowance totals across initiatives.

    For a reader of the books (``may_read_books``), about an approved (active) member, or about someone who left
    but whose account the books still hold. An applicant (a request not yet approved), a declined one, or someone
    who left without ever having an account is none of the books' business.
    """
    if person is None or not may_read_books(session, actor, initiative):
        return False
    return is_member_of(session, person, initiative) or _has_pot_account(session, initiative, person)


# --- neighbourhoods -----------------------------------------------------------------------------

def may_place_in_neighbourhood(session, actor: Neighbour, initiative: Initiative,
                               neighbourhood: Neighbourhood) -> bool:
    """Approve a neighbourhood for someone whose postcode no neighbourhood covers: an active broker or coordinator
    of an initiative that works in that neighbourhood. (Where a neighbourhood covers the postcode, it decides.)"""
    return (neighbourhood.id in {n.id for n in initiative.neighbourhoods}
            and _holds(session, actor, initiative.id, Membership.is_broker, Membership.is_coordinator))


def may_place_people(session, actor: Neighbour, initiative: Initiative) -> bool:
    """The page where an initiative places people in one of its neighbourhoods: its active brokers and coordinators."""
    return _holds(session, actor, initiative.id, Membership.is_broker, Membership.is_coordinator)
