"""The broker's work: the queue, brokered matches, proxy neighbours, consent, follow-ups, notes, referrals."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access, privacy
from buurthulp.accounts.models import (
    DigestPreference,
    InterestDirection,
    Neighbour,
    NeighbourInterest,
    normalise_postcode,
)
from buurthulp.accounts.services import set_interests
from buurthulp.broker.models import (
    AskClaim,
    BrokerAction,
    BrokerNote,
    ConsentDecision,
    FollowUp,
    FollowUpOutcome,
    ProxyAction,
    ProxyConsent,
    ProxyRegistration,
    Referral,
)
from buurthulp.db import LIKE_ESCAPE, contains_pattern, utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, initiative_neighbourhood
from buurthulp.neighbourhoods.services import home_neighbourhood
from buurthulp.posts import matches
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match, MatchSource, MatchStatus, NotificationKind, Post, PostKind, PostStatus
from buurthulp.posts.notifications import notify

STALE_DAYS = 7
ACTION_NOTE_LENGTH = 500  # BrokerAction.note
FOLLOW_UP_AFTER_DAYS = 3


# --- who is a broker where ----------------------------------------------------------------------

def broker_initiatives(session, neighbour: Neighbour) -> list[Initiative]:
    """Initiatives in which this neighbour is an active broker."""
    return list(session.scalars(
        sa.select(Initiative).join(Membership, Membership.initiative_id == Initiative.id)
        .where(Membership.neighbour_id == neighbour.id, Membership.status == MembershipStatus.ACTIVE,
               Membership.is_broker)
        .order_by(Initiative.name)
    ))


def hood_ids_subquery(initiative: Initiative):
    """The initiative's neighbourhoods, for use inside a query (no extra round trip)."""
    return (sa.select(initiative_neighbourhood.c.neighbourhood_id)
            .where(initiative_neighbourhood.c.initiative_id == initiative.id).scalar_subquery())


def _matches_of(initiative: Initiative) -> sa.Select:
    """Matches the initiative's brokers follow (``access.match_served_by``), with their posts and people."""
    return (sa.select(Match).where(access.match_served_by(initiative))
            .options(so.joinedload(Match.ask), so.joinedload(Match.offer), so.joinedload(Match.asker),
                     so.joinedload(Match.helper)))


def matches_served(session, initiative: Initiative, person: Neighbour) -> list[Match]:
    """A person's matches that the initiative serves (``access.match_served_by``), newest first, in one query."""
    return list(session.scalars(
        _matches_of(initiative).where(sa.or_(Match.asker_id == person.id, Match.helper_id == person.id))
        .order_by(Match.updated_at.desc(), Match.id.desc())).unique())


def served_ids(session, initiative: Initiative, ids) -> set[int]:
    """Which of these people the initiative serves (``access.served_by``), in one query: whom to link to."""
    return set(session.scalars(sa.select(Neighbour.id).where(Neighbour.id.in_(list(ids)),
                                                             access.served_by(initiative))))


# --- the queue ----------------------------------------------------------------------------------

def queue(session, initiative: Initiative, now: datetime, stale_days: int = STALE_DAYS,
          follow_up_days: int = FOLLOW_UP_AFTER_DAYS) -> dict:
    """The lists of the broker's queue, each in one query, for the posts and matches the initiative serves."""
    engaged = sa.exists().where(Match.ask_id == Post.id,
                                Match.status.in_([MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.DONE,
                                                  MatchStatus.THANKED]))
    suggestion_count = (sa.select(sa.func.count()).where(Match.ask_id == Post.id, Match.status == MatchStatus.SUGGESTED)
                        .correlate(Post).scalar_subquery())
    unmatched = session.execute(
        sa.select(Post, suggestion_count)
        .where(Post.kind == PostKind.ASK, Post.status == PostStatus.OPEN, Post.hidden_at.is_(None),
               access.post_served_by(initiative), ~engaged)
        .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood))
        .order_by(Post.created_at, Post.id)
    ).all()
    base = _matches_of(initiative)
    stale = now - timedelta(days=stale_days)
    waiting = session.scalars(base.where(Match.status.in_([MatchStatus.SUGGESTED, MatchStatus.PROPOSED]),
                                         Match.created_at <= stale).order_by(Match.created_at)).unique().all()
    not_done = session.scalars(base.where(Match.status == MatchStatus.ACCEPTED, Match.accepted_at <= stale)
                               .order_by(Match.accepted_at)).unique().all()
    proxies = sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id == initiative.id).scalar_subquery()
    for_proxies = session.scalars(
        base.where(sa.or_(sa.and_(Match.status == MatchStatus.SUGGESTED, Match.asker_id.in_(proxies)),
                          sa.and_(Match.status == MatchStatus.PROPOSED,
                                  sa.or_(sa.and_(Match.asker_id.in_(proxies), Match.asker_accepted_at.is_(None)),
                                         sa.and_(Match.helper_id.in_(proxies), Match.helper_accepted_at.is_(None))))))
        .order_by(Match.created_at)).unique().all()
    followed = sa.exists().where(FollowUp.match_id == Match.id)
    follow_up = session.scalars(base.where(Match.status.in_([MatchStatus.DONE, MatchStatus.THANKED]),
                                           Match.done_at <= now - timedelta(days=follow_up_days), ~followed)
                                .order_by(Match.done_at)).unique().all()
    return {"unmatched": unmatched, "for_proxies": for_proxies, "waiting": waiting, "not_done": not_done,
            "follow_up": follow_up}


# --- brokering ----------------------------------------------------------------------------------

def broker_match(session, broker: Neighbour, initiative: Initiative, ask: Post, helper: Neighbour, *, note: str,
                 now: datetime | None = None) -> Match:
    """Propose a match by hand to both people, with a personal note; both still say yes or no."""
    now = now or utcnow()
    if not (access.may_broker_post(session, broker, initiative, ask)
            and access.may_broker_for(session, broker, initiative, helper)):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    if ask.kind != PostKind.ASK or ask.status != PostStatus.OPEN:
        raise DomainError(_l("This ask is no longer open."))
    if helper.id == ask.author_id:
        raise DomainError(_l("Someone cannot help themselves. Choose another neighbour."))
    if access.is_blocked(session, helper.id, ask.author_id):
        raise DomainError(_l("These two neighbours cannot be matched."))
    existing = session.scalar(sa.select(Match).where(Match.ask_id == ask.id, Match.helper_id == helper.id))
    if existing is not None and existing.status != MatchStatus.SUGGESTED:
        raise DomainError(_l("These two already have a match for this ask."))
    match = existing or Match(ask=ask, asker_id=ask.author_id, helper_id=helper.id, created_at=now)
    match.source, match.status, match.broker_id = MatchSource.BROKER, MatchStatus.PROPOSED, broker.id
    match.note = note.strip()
    match.asker_accepted_at = match.helper_accepted_at = None
    session.add(match)
    session.flush()
    for person in (match.asker_id, match.helper_id):
        notify(session, person, NotificationKind.PROPOSED, actor_id=broker.id, match=match, now=now)
    return match


def answer_for_proxy(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, *,
                     decision: ConsentDecision, note: str, now: datetime | None = None) -> ProxyConsent:
    """After a phone call, the broker says yes or no for a proxy neighbour; the consent is recorded."""
    now = now or utcnow()
    if not (access.may_act_for_proxy(session, broker, initiative, proxy)
            and access.may_broker_match(session, broker, initiative, match)):
        raise NotAllowed(_l("Only a broker of this neighbour's initiative can answer for them."))
    if not match.is_participant(proxy.id):
        raise NotAllowed(_l("This match is not this neighbour's."))
    if len(note.strip()) < 3:
        raise DomainError(_l("Write down briefly how the neighbour gave their consent (for example: by phone today)."))
    if decision == ConsentDecision.ACCEPTED:
        matches.accept(session, proxy, match, now=now)
    else:
        matches.decline(session, proxy, match, now=now)
    match.broker_id = match.broker_id or broker.id
    consent = ProxyConsent(match_id=match.id, proxy_id=proxy.id, broker_id=broker.id, decision=decision,
                           note=note.strip(), recorded_at=now)
    session.add(consent)
    log_action(session, broker, initiative, proxy, ProxyAction.ANSWERED, match=match, note=note, now=now)
    return consent


def log_action(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, action: ProxyAction, *,
               match: Match | None = None, note: str = "", now: datetime | None = None) -> BrokerAction:
    """Write down what a broker did for a proxy neighbour, with the broker's name (the caller checked the rule)."""
    item = BrokerAction(initiative_id=initiative.id, broker_id=broker.id, neighbour_id=proxy.id,
                        match_id=match.id if match is not None else None, action=action,
                        note=(note or "")[:ACTION_NOTE_LENGTH], created_at=now or utcnow())
    session.add(item)
    session.flush()
    return item


def record_follow_up(session, broker: Neighbour, initiative: Initiative, match: Match, *, outcome: FollowUpOutcome,
                     note: str, now: datetime | None = None) -> FollowUp:
    """"How did it go?" for done help: the outcome is recorded once."""
    if not access.may_broker_match(session, broker, initiative, match):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    if match.status not in (MatchStatus.DONE, MatchStatus.THANKED):
        raise DomainError(_l("Follow-up is for help that is done."))
    if session.scalar(sa.select(FollowUp.id).where(FollowUp.match_id == match.id)) is not None:
        raise DomainError(_l("This follow-up has already been recorded."))
    item = FollowUp(match_id=match.id, broker_id=broker.id, outcome=outcome, note=note.strip(),
                    created_at=now or utcnow())
    session.add(item)
    session.flush()
    return item


# --- proxy neighbours ---------------------------------------------------------------------------

def add_proxy(session, broker: Neighbour, initiative: Initiative, *, name: str, contact_route: str, postcode: str,
              likes, needs, availability: int = 0, neighbourhood=None) -> Neighbour:
    """A neighbour without e-mail or log-in, represented by the initiative's brokers."""
    if not access.may_use_workspace(session, broker, initiative):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    postcode = normalise_postcode(postcode)
    hood = home_neighbourhood(session, postcode, chosen=neighbourhood)  # it follows the postcode, as for everyone
    if hood is None or hood.id not in {n.id for n in initiative.neighbourhoods}:
        raise DomainError(_l("This postcode is not in one of the initiative's neighbourhoods."))
    proxy = Neighbour(display_name=name.strip(), email=None, password_hash=None, postcode=postcode,
                      neighbourhood=hood, latitude=hood.centre_lat, longitude=hood.centre_lon,
                      proxy_initiative_id=initiative.id, contact_route=contact_route.strip(),
                      availability=availability, digest=DigestPreference.OFF, notify_by_mail=False)
    session.add(proxy)
    set_interests(proxy, InterestDirection.OFFER, likes)
    set_interests(proxy, InterestDirection.ASK, needs)
    session.flush()
    return proxy


def post_for_proxy(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour,
                   data: posts.PostInput) -> Post:
    """Post an ask or offer on behalf of a proxy neighbour."""
    if not access.may_act_for_proxy(session, broker, initiative, proxy):
        raise NotAllowed(_l("Only a broker of this neighbour's initiative can post for them."))
    return posts.create_post(session, proxy, data)


def export_proxy(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour) -> dict:
    """A proxy neighbour's data, for their broker to hand over when they ask for it."""
    if not access.may_act_for_proxy(session, broker, initiative, proxy):
        raise NotAllowed(_l("Only a broker of this neighbour's initiative can do this."))
    return privacy.export_data(session, proxy)


def delete_proxy(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour) -> None:
    """Delete a proxy neighbour's personal data when they ask their broker for it."""
    if not access.may_act_for_proxy(session, broker, initiative, proxy):
        raise NotAllowed(_l("Only a broker of this neighbour's initiative can do this."))
    privacy.delete_account(session, proxy)


# --- notes and referrals ------------------------------------------------------------------------

def add_note(session, broker: Neighbour, initiative: Initiative, body: str, *, neighbour: Neighbour | None = None,
             match: Match | None = None) -> BrokerNote:
    """A note on a person or a match the initiative serves, for its brokers only, with author and time."""
    if not ((neighbour is None or access.may_broker_for(session, broker, initiative, neighbour))
            and (match is None or access.may_broker_match(session, broker, initiative, match))
            and access.may_use_workspace(session, broker, initiative)):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    if not body.strip():
        raise DomainError(_l("Write a note first."))
    note = BrokerNote(initiative_id=initiative.id, author_id=broker.id, neighbour_id=neighbour.id if neighbour else None,
                      match_id=match.id if match else None, body=body.strip())
    session.add(note)
    session.flush()
    return note


def notes_for(session, initiative: Initiative, *, neighbour_id: int | None = None,
              match_id: int | None = None) -> list[BrokerNote]:
    stmt = (sa.select(BrokerNote).where(BrokerNote.initiative_id == initiative.id)
            .options(so.joinedload(BrokerNote.author)).order_by(BrokerNote.created_at.desc()))
    if neighbour_id is not None:
        stmt = stmt.where(BrokerNote.neighbour_id == neighbour_id)
    if match_id is not None:
        stmt = stmt.where(BrokerNote.match_id == match_id)
    return list(session.scalars(stmt))


def refer(session, broker: Neighbour, initiative: Initiative, ask: Post, *, organisation: str, note: str,
          place=None) -> Referral:
    """Link an ask to a place of the living map or an organisation, with who takes the person along."""
    if not access.may_broker_post(session, broker, initiative, ask):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    if place is not None and place.status != "public":
        raise DomainError(_l("This place is not on the map (any more)."))
    if not organisation.strip() and place is None:
        raise DomainError(_l("Choose a place on the map, or fill in the place or organisation."))
    item = Referral(initiative_id=initiative.id, post_id=ask.id,
                    organisation=organisation.strip() or place.name, place_id=place.id if place else None,
                    note=note.strip(), broker_id=broker.id)
    session.add(item)
    session.flush()
    return item


def search_neighbours(session, initiative: Initiative, query: str, limit: int = 30) -> list[Neighbour]:
    """The people the initiative serves (``access.served_by``), by name."""
    stmt = (sa.select(Neighbour)
            .where(access.served_by(initiative))
            .options(so.joinedload(Neighbour.neighbourhood), so.selectinload(Neighbour.interests))
            .order_by(Neighbour.display_name, Neighbour.id).limit(limit))
    if query.strip():
        stmt = stmt.where(sa.func.lower(Neighbour.display_name).like(contains_pattern(query.strip().lower()),
                                                                     escape=LIKE_ESCAPE))
    return list(session.scalars(stmt))


def export_broker_records(session, neighbour: Neighbour) -> dict:
    """What brokers wrote about the person: their notes, the referrals of their asks, the consents they gave."""
    notes = session.execute(sa.select(BrokerNote, Initiative.name).join(Initiative, Initiative.id == BrokerNote.initiative_id)
                            .where(BrokerNote.neighbour_id == neighbour.id).order_by(BrokerNote.id)).all()
    referrals = session.execute(sa.select(Referral, Post.title).join(Post, Post.id == Referral.post_id)
                                .where(Post.author_id == neighbour.id).order_by(Referral.id)).all()
    consents = session.scalars(sa.select(ProxyConsent).where(ProxyConsent.proxy_id == neighbour.id)
                               .order_by(ProxyConsent.id)).all()
    registration = session.get(ProxyRegistration, neighbour.id)
    actions = session.scalars(sa.select(BrokerAction).where(BrokerAction.neighbour_id == neighbour.id)
                              .options(so.joinedload(BrokerAction.broker)).order_by(BrokerAction.id)).all()
    claims = session.execute(sa.select(AskClaim.claimed_at, Post.title).join(Post, Post.id == AskClaim.post_id)
                             .where(AskClaim.broker_id == neighbour.id).order_by(AskClaim.id)).all()
    return {"broker": {
        "registration": registration and {
            "asked_by": registration.asked_by, "consent": str(registration.consent_way),
            "agreed_on": registration.consent_on.isoformat(), "registered_at": registration.created_at.isoformat()},
        "done_for_you": [{"what": str(a.action), "by": a.broker.display_name if a.broker else None, "note": a.note,
                          "at": a.created_at.isoformat()} for a in actions],
        "asks_you_handle_as_broker": [{"ask": title, "since": at.isoformat()} for at, title in claims],
        "notes": [{"initiative": name, "written_at": note.created_at.isoformat(), "note": note.body}
                  for note, name in notes],
        "referrals": [{"ask": title, "organisation": r.organisation, "note": r.note,
                       "referred_at": r.created_at.isoformat()} for r, title in referrals],
        "consents": [{"match": c.match_id, "decision": str(c.decision), "note": c.note,
                      "recorded_at": c.recorded_at.isoformat()} for c in consents],
    }}


def forget_broker_records(session, neighbour: Neighbour) -> None:
    """On deletion: brokers' notes on this neighbour, referrals of their asks, how they were registered, the log of
    what was done for them and the asks they handled as a broker go; consent records stay, nameless."""
    session.execute(sa.delete(BrokerNote).where(BrokerNote.neighbour_id == neighbour.id))
    session.execute(sa.delete(ProxyRegistration).where(ProxyRegistration.neighbour_id == neighbour.id))
    session.execute(sa.delete(BrokerAction).where(BrokerAction.neighbour_id == neighbour.id))
    session.execute(sa.delete(AskClaim).where(AskClaim.broker_id == neighbour.id))
    session.execute(sa.delete(Referral).where(Referral.post_id.in_(sa.select(Post.id).where(Post.author_id == neighbour.id))))
    session.execute(sa.update(ProxyConsent).where(ProxyConsent.proxy_id == neighbour.id).values(note=""))


def likers_nearby(session, initiative: Initiative, ask: Post, limit: int = 20) -> list[Neighbour]:
    """Neighbours of the initiative who like to do the ask's kind of help: where a broker starts looking."""
    return list(session.scalars(
        sa.select(Neighbour).join(NeighbourInterest)
        .where(NeighbourInterest.direction == InterestDirection.OFFER, NeighbourInterest.category == ask.category,
               Neighbour.id != ask.author_id, access.served_by(initiative))
        .options(so.joinedload(Neighbour.neighbourhood)).order_by(Neighbour.display_name).limit(limit)
    ))
