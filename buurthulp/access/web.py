"""For routes: the same rules, answered as the web does (401 log in first, 403 not yours, 404 not there for you)."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from buurthulp.access.rules import (
    may_act_for_proxy,
    may_broker_for,
    may_broker_match,
    may_broker_post,
    may_keep_books,
    may_place_people,
    may_read_books,
    may_read_member_statement,
    may_read_own_statement,
    may_see_profile,
    may_set_up_pot,
    may_use_workspace,
)
from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import (
    Initiative,
)
from buurthulp.posts.models import Match, Post

# --- for routes: the same rules, answered as the web does ---------------------------------------

def _logged_in() -> Neighbour:
    if not current_user.is_authenticated:
        abort(401)
    return current_user


def initiative_or_404(slug: str) -> Initiative:
    """The initiative of ``slug``, with its neighbourhoods; 404 if there is none."""
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.slug == slug)
                                   .options(so.selectinload(Initiative.neighbourhoods)))
    if initiative is None:
        abort(404)
    return initiative


def _initiative_if(slug: str, rule) -> Initiative:
    """The initiative of ``slug`` if ``rule(session, actor, initiative)`` holds; else 401 / 404 (unknown) / 403."""
    actor = _logged_in()
    initiative = initiative_or_404(slug)
    if not rule(db.session, actor, initiative):
        abort(403)
    return initiative


def _person_if(neighbour_id: int, rule, *context) -> Neighbour:
    """The person with this id if ``rule(session, actor, *context, person)`` holds; else 404 (as if nobody)."""
    person = db.session.get(Neighbour, neighbour_id)
    if person is None or not rule(db.session, _logged_in(), *context, person):
        abort(404)
    return person


def require_broker(slug: str) -> Initiative:
    """``may_use_workspace`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_use_workspace)


def require_broker_for(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_broker_for`` the person with this id: the person, else 404 (not someone this initiative serves)."""
    return _person_if(neighbour_id, may_broker_for, initiative)


def require_proxy_of(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_act_for_proxy`` for the person with this id: the proxy neighbour, else 404."""
    return _person_if(neighbour_id, may_act_for_proxy, initiative)


def require_broker_post(initiative: Initiative, post_id: int) -> Post:
    """``may_broker_post`` for the post with this id: the post (with author and neighbourhood), else 404."""
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id)
                             .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood)))
    if post is None or not may_broker_post(db.session, _logged_in(), initiative, post):
        abort(404)
    return post


def require_broker_match(initiative: Initiative, match_id: int) -> Match:
    """``may_broker_match`` for the match with this id: the match (with its posts and people), else 404."""
    match = db.session.scalar(sa.select(Match).where(Match.id == match_id).options(
        so.joinedload(Match.ask), so.joinedload(Match.offer), so.joinedload(Match.asker), so.joinedload(Match.helper)))
    if match is None or not may_broker_match(db.session, _logged_in(), initiative, match):
        abort(404)
    return match


def require_profile(neighbour_id: int) -> Neighbour:
    """``may_see_profile`` for the current neighbour: the person, else 404 (as if there were nobody)."""
    return _person_if(neighbour_id, may_see_profile)


def require_places_people(slug: str) -> Initiative:
    """``may_place_people`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_place_people)


def require_books(slug: str, write: bool = False) -> Initiative:
    """``may_read_books`` (with ``write``: ``may_keep_books``) for the current neighbour: the initiative, else
    401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_keep_books if write else may_read_books)


def require_pot_settings(slug: str) -> Initiative:
    """``may_set_up_pot`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_set_up_pot)


def require_own_statement(slug: str) -> Initiative:
    """``may_read_own_statement`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_read_own_statement)


def require_member_statement(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_read_member_statement`` about the person with this id: the person, else 404 (an applicant, or not
    someone of this initiative: their allowance is none of its business)."""
    return _person_if(neighbour_id, may_read_member_statement, initiative)
