"""The broker's queue: sections of asks and matches to work through, filtered, sorted and a page at a time, and
who is handling which ask ("I'm on it").

Every list is bounded: a page of rows and a count, through indexed columns. The counts of all sections come in
one query, the rows of a page in one more (and one for their claims), whatever the size of the initiative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.broker.models import AskClaim, FollowUp
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus
from buurthulp.paging import Page
from buurthulp.posts.models import Match, MatchStatus, Post, PostKind, PostStatus


class Section(StrEnum):
    NEW = "new"                  # asks without any suggestion yet
    SUGGESTED = "suggested"      # asks with suggestions that nobody acted on
    PHONE = "phone"              # a neighbour without internet has to be called for an answer
    NO_ANSWER = "no_answer"      # proposals without an answer for a while
    NOT_DONE = "not_done"        # agreed a while ago, not done
    FOLLOW_UP = "follow_up"      # done help to ask "how did it go?"


ASK_SECTIONS = (Section.NEW, Section.SUGGESTED)

SECTION_LABELS = {
    Section.NEW: _l("No suggestion yet"),
    Section.SUGGESTED: _l("Suggestions not acted on"),
    Section.PHONE: _l("Waiting for a phone call"),
    Section.NO_ANSWER: _l("Proposals without an answer"),
    Section.NOT_DONE: _l("Agreed, but not done"),
    Section.FOLLOW_UP: _l("Follow-up due"),
}


class Holder(StrEnum):
    ALL = "all"
    MINE = "mine"
    UNCLAIMED = "unclaimed"


class Sort(StrEnum):
    AGE = "age"          # waiting longest first
    URGENCY = "urgency"  # the ask's date soonest first


@dataclass(frozen=True)
class Settings:
    """How long before something counts as waiting: from the configuration."""

    stale_days: int = 7
    follow_up_days: int = 3
    follow_up_window_days: int = 60  # done help older than this is no longer followed up


@dataclass(frozen=True)
class Filters:
    section: Section = Section.NEW
    neighbourhood_id: int | None = None
    category: Category | None = None
    min_days: int | None = None     # waiting at least this many days
    holder: Holder = Holder.ALL
    sort: Sort = Sort.AGE


@dataclass(frozen=True)
class Scope:
    """Whose queue, when: the initiative, the broker looking, now, the settings, and its proxy neighbours (few:
    read once, so that their matches are found through the people's indexes)."""

    initiative: Initiative
    broker: Neighbour
    now: datetime
    settings: Settings
    proxies: tuple[int, ...]


def scope(session, initiative: Initiative, broker: Neighbour, now: datetime, settings: Settings) -> Scope:
    """The scope of one look at the queue: one query, for the initiative's proxy neighbours."""
    proxies = tuple(session.scalars(sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id == initiative.id)))
    return Scope(initiative, broker, now, settings, proxies)


# --- the conditions of each section -------------------------------------------------------------

def _engaged():
    return sa.exists().where(Match.ask_id == Post.id, Match.status.in_(
        [MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.DONE, MatchStatus.THANKED]))


def _suggested():
    return sa.exists().where(Match.ask_id == Post.id, Match.status == MatchStatus.SUGGESTED)


def _open_asks(initiative: Initiative):
    return sa.and_(Post.kind == PostKind.ASK, Post.status == PostStatus.OPEN, Post.hidden_at.is_(None),
                   access.post_served_by(initiative), ~_engaged())


def _since(section: Section):
    """The moment a row of the section started waiting."""
    return {Section.NEW: Post.created_at, Section.SUGGESTED: Post.created_at, Section.PHONE: Match.created_at,
            Section.NO_ANSWER: Match.created_at, Section.NOT_DONE: Match.accepted_at,
            Section.FOLLOW_UP: Match.done_at}[section]


def _section_condition(section: Section, scope: Scope):
    initiative, now, settings = scope.initiative, scope.now, scope.settings
    if section == Section.NEW:
        return sa.and_(_open_asks(initiative), ~_suggested())
    if section == Section.SUGGESTED:
        return sa.and_(_open_asks(initiative), _suggested())
    served = access.match_served_by(initiative)
    stale = now - timedelta(days=settings.stale_days)
    if section == Section.PHONE:
        proxies = list(scope.proxies)
        return sa.and_(served, sa.or_(
            sa.and_(Match.asker_id.in_(proxies), Match.status.in_([MatchStatus.SUGGESTED, MatchStatus.PROPOSED]),
                    sa.or_(Match.status == MatchStatus.SUGGESTED, Match.asker_accepted_at.is_(None))),
            sa.and_(Match.helper_id.in_(proxies), Match.status == MatchStatus.PROPOSED,
                    Match.helper_accepted_at.is_(None))))
    if section == Section.NO_ANSWER:
        return sa.and_(served, Match.status == MatchStatus.PROPOSED, Match.created_at <= stale)
    if section == Section.NOT_DONE:
        return sa.and_(served, Match.status == MatchStatus.ACCEPTED, Match.accepted_at <= stale)
    followed = sa.exists().where(FollowUp.match_id == Match.id)
    return sa.and_(served, Match.status.in_([MatchStatus.DONE, MatchStatus.THANKED]),
                   Match.done_at <= now - timedelta(days=settings.follow_up_days),
                   Match.done_at > now - timedelta(days=settings.follow_up_window_days), ~followed)


def _claimed_post_id(section: Section):
    """The post a row's claim is on: the ask itself, or the match's ask (else its offer)."""
    return Post.id if section in ASK_SECTIONS else sa.func.coalesce(Match.ask_id, Match.offer_id)


def _filter_conditions(section: Section, scope: Scope, filters: Filters) -> list:
    """The filters besides the section, on the section's rows (asks, or matches through their post ``Post``)."""
    out = []
    if filters.neighbourhood_id is not None:
        out.append(Post.neighbourhood_id == filters.neighbourhood_id)
    if filters.category is not None:
        out.append(Post.category == filters.category)
    if filters.min_days:
        out.append(_since(section) <= scope.now - timedelta(days=filters.min_days))
    if filters.holder != Holder.ALL:
        claims = sa.select(AskClaim.id).where(AskClaim.initiative_id == scope.initiative.id,
                                              AskClaim.post_id == _claimed_post_id(section))
        if filters.holder == Holder.MINE:
            out.append(claims.where(AskClaim.broker_id == scope.broker.id).exists())
        else:
            out.append(~claims.exists())
    return out


def _match_post_join(stmt: sa.Select) -> sa.Select:
    """Matches with their post as ``Post``: the ask, else the offer (two primary-key joins, no coalesce)."""
    return stmt.join(Post, Match.post_is(Post))


def _section_select(section: Section, scope: Scope, filters: Filters, *columns) -> sa.Select:
    where = [_section_condition(section, scope), *_filter_conditions(section, scope, filters)]
    if section in ASK_SECTIONS:
        return sa.select(*columns).select_from(Post).where(*where)
    return _match_post_join(sa.select(*columns).select_from(Match)).where(*where)


def counts(session, scope: Scope, filters: Filters) -> dict[Section, int]:
    """How many rows each section holds under the filters (but for the section): one query."""
    subqueries = [_section_select(section, scope, filters, sa.func.count()).scalar_subquery().label(section.value)
                  for section in Section]
    row = session.execute(sa.select(*subqueries)).one()
    return {section: int(row[i] or 0) for i, section in enumerate(Section)}


def _order(section: Section, sort: Sort) -> list:
    key = Post.id if section in ASK_SECTIONS else Match.id
    if sort == Sort.URGENCY:
        # the ask's own date first (a date, else the end of its period); weekly and open-ended ones last
        due = sa.func.coalesce(Post.on_date, Post.period_end)
        return [due.is_(None), due, _since(section), key]
    return [_since(section), key]


@dataclass
class Row:
    """One line of the queue: an ask, or a match with its post; who holds it; and for an ask its suggestions."""

    post: Post
    match: Match | None = None
    suggestions: int = 0
    claim: AskClaim | None = None

    @property
    def since(self) -> datetime:
        m = self.match
        if m is None:
            return self.post.created_at
        return m.done_at or m.accepted_at or m.created_at


def page(session, scope: Scope, filters: Filters, number: int, per_page: int, total: int) -> Page:
    """One page of the filtered section, sorted: one query for the rows, one for their claims."""
    section = filters.section
    number = max(1, number)
    offset = (number - 1) * per_page
    rows: list[Row] = []
    if offset < total:
        order = _order(section, filters.sort)
        if section in ASK_SECTIONS:
            count = (sa.select(sa.func.count()).where(Match.ask_id == Post.id, Match.status == MatchStatus.SUGGESTED)
                     .correlate(Post).scalar_subquery())
            stmt = (_section_select(section, scope, filters, Post, count)
                    .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood)))
            found = session.execute(stmt.order_by(*order).offset(offset).limit(per_page)).all()
            rows = [Row(post=post, suggestions=n) for post, n in found]
        else:
            stmt = (_section_select(section, scope, filters, Match, Post)
                    .options(so.joinedload(Match.asker), so.joinedload(Match.helper),
                             so.joinedload(Post.neighbourhood)))
            found = session.execute(stmt.order_by(*order).offset(offset).limit(per_page)).all()
            rows = [Row(post=post, match=match) for match, post in found]
    claims = claims_on(session, scope.initiative, [row.post.id for row in rows])
    for row in rows:
        row.claim = claims.get(row.post.id)
    return Page(rows, number, per_page, total=total)


# --- who is handling an ask ---------------------------------------------------------------------

def claims_on(session, initiative: Initiative, post_ids: list[int]) -> dict[int, AskClaim]:
    """The initiative's claims on these posts, with their holders: one query (none for no posts)."""
    if not post_ids:
        return {}
    return {c.post_id: c for c in session.scalars(
        sa.select(AskClaim).where(AskClaim.initiative_id == initiative.id, AskClaim.post_id.in_(post_ids))
        .options(so.joinedload(AskClaim.broker)))}


def claim_of(session, initiative: Initiative, post: Post) -> AskClaim | None:
    return claims_on(session, initiative, [post.id]).get(post.id)


class AlreadyClaimed(DomainError):
    """Another broker is on it."""

    status_code = 409


def _require_broker(session, broker: Neighbour, initiative: Initiative, post: Post) -> None:
    if not access.may_broker_post(session, broker, initiative, post):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))


def claim(session, broker: Neighbour, initiative: Initiative, post: Post) -> AskClaim:
    """"I'm on it": the broker takes the ask. The database refuses a second holder, also when two brokers press
    at the same moment; the one who comes second is told who has it."""
    _require_broker(session, broker, initiative, post)
    existing = claim_of(session, initiative, post)
    if existing is not None:
        if existing.broker_id == broker.id:
            return existing
        raise AlreadyClaimed(_l("%(name)s is already on it.", name=existing.broker.display_name))
    taken = AskClaim(initiative_id=initiative.id, post_id=post.id, broker_id=broker.id)
    try:
        with session.begin_nested():
            session.add(taken)
            session.flush()
    except sa.exc.IntegrityError:
        winner = claim_of(session, initiative, post)
        name = winner.broker.display_name if winner else "—"
        raise AlreadyClaimed(_l("%(name)s is already on it.", name=name)) from None
    return taken


def release(session, broker: Neighbour, initiative: Initiative, post: Post) -> None:
    """The holder lets go of the ask: it is unclaimed again."""
    _require_broker(session, broker, initiative, post)
    gone = session.execute(sa.delete(AskClaim).where(AskClaim.initiative_id == initiative.id,
                                                     AskClaim.post_id == post.id, AskClaim.broker_id == broker.id))
    if gone.rowcount != 1:
        raise DomainError(_l("Only the broker who is on it can let it go."))


def colleagues(session, initiative: Initiative, broker: Neighbour) -> list[Neighbour]:
    """The initiative's other active brokers, to hand an ask to."""
    return list(session.scalars(
        sa.select(Neighbour).join(Membership, Membership.neighbour_id == Neighbour.id)
        .where(Membership.initiative_id == initiative.id, Membership.status == MembershipStatus.ACTIVE,
               Membership.is_broker, Neighbour.id != broker.id, Neighbour.deleted_at.is_(None))
        .order_by(Neighbour.display_name)))


def hand_over(session, broker: Neighbour, initiative: Initiative, post: Post, colleague: Neighbour) -> None:
    """The holder hands the ask to another broker of the initiative, in one conditional update."""
    _require_broker(session, broker, initiative, post)
    if not access.is_broker_of(session, colleague, initiative) or colleague.id == broker.id:
        raise DomainError(_l("Choose another broker of this initiative."))
    moved = session.execute(
        sa.update(AskClaim).where(AskClaim.initiative_id == initiative.id, AskClaim.post_id == post.id,
                                  AskClaim.broker_id == broker.id)
        .values(broker_id=colleague.id, handed_by_id=broker.id, claimed_at=utcnow()))
    if moved.rowcount != 1:
        raise DomainError(_l("Only the broker who is on it can hand it over."))
