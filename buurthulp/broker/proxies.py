"""Neighbours without internet, served end to end: registering one with their consent (once, however often the
form is sent), doing for them on a match what they would do themselves, each action logged with the broker's
name, and the phone list of who is waiting for what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.broker import services
from buurthulp.broker.models import BrokerAction, ConsentWay, FollowUp, ProxyAction, ProxyRegistration
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.forms import MAX_KEY_LENGTH
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts import matches, moderation
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match, MatchStatus, Message, Post, ThankYou
from buurthulp.timeutil import local_today

LOG_LENGTH = 50  # the proxy's page shows this many of the latest actions
READ_AGAIN_AFTER = timedelta(minutes=30)  # reading the conversation again within this time is not logged again


# --- the rule ------------------------------------------------------------------------------------

def _require_acting(session, broker, initiative, match, proxy) -> None:
    if not access.may_act_on_match_for(session, broker, initiative, match, proxy):
        raise NotAllowed(_l("Only a broker of this neighbour's initiative can do this for them."))


# --- the log -------------------------------------------------------------------------------------

def actions_for(session, proxy: Neighbour, limit: int = LOG_LENGTH) -> list[BrokerAction]:
    """The latest actions done for a proxy neighbour, newest first, with the brokers' names, in one query."""
    return list(session.scalars(
        sa.select(BrokerAction).where(BrokerAction.neighbour_id == proxy.id)
        .options(so.joinedload(BrokerAction.broker))
        .order_by(BrokerAction.created_at.desc(), BrokerAction.id.desc()).limit(limit)))


# --- registering a proxy neighbour ---------------------------------------------------------------

class PostcodeRefused(DomainError):
    """The postcode lies outside the initiative's neighbourhoods: said at the postcode field."""


def registration_of(session, proxy: Neighbour) -> ProxyRegistration | None:
    """How a proxy neighbour was registered; None for those registered before consent was recorded."""
    return session.scalar(sa.select(ProxyRegistration).where(ProxyRegistration.neighbour_id == proxy.id)
                          .options(so.joinedload(ProxyRegistration.registered_by)))


def registered_with_key(session, initiative: Initiative, key: str) -> Neighbour | None:
    """The neighbour a form with this idempotency key registered already, if any."""
    registration = session.scalar(sa.select(ProxyRegistration).where(ProxyRegistration.idempotency_key == key))
    if registration is None:
        return None
    if registration.initiative_id != initiative.id:
        raise DomainError(_l("This form was already used. Please open it again."))
    return session.get(Neighbour, registration.neighbour_id)


def register_proxy(session, broker: Neighbour, initiative: Initiative, *, key: str, asked_by: str,
                   consent_way: ConsentWay | str, consent_on: date, agreed: bool, name: str, contact_route: str,
                   postcode: str, likes=(), needs=(), availability: int = 0,
                   now: datetime | None = None) -> tuple[Neighbour, bool]:
    """A neighbour without internet, registered with their consent: who asked, when and how they agreed.

    The form's key makes it once: a form sent again, also at the same moment, gives the neighbour it registered
    (the database refuses a second registration with the key). Returns the neighbour and whether it is new."""
    now = now or utcnow()
    if not access.may_use_workspace(session, broker, initiative):
        raise NotAllowed(_l("Only a broker of this initiative can do this."))
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(_l("This form has expired. Please try again."))
    existing = registered_with_key(session, initiative, key)
    if existing is not None:
        return existing, False
    if not agreed:
        raise DomainError(_l("Tick the box: register someone only when they agreed to it."))
    if not (asked_by or "").strip():
        raise DomainError(_l("Fill in who asked for this."))
    if consent_on is None or consent_on > local_today(now):
        raise DomainError(_l("The date cannot be in the future."))
    if consent_way not in {way.value for way in ConsentWay}:
        raise DomainError(_l("Choose how they agreed."))
    try:
        with session.begin_nested():  # a second registration with the key undoes this neighbour too
            try:
                proxy = services.add_proxy(session, broker, initiative, name=name, contact_route=contact_route,
                                           postcode=postcode, likes=likes, needs=needs, availability=availability)
            except NotAllowed:
                raise
            except DomainError as exc:
                raise PostcodeRefused(exc.message) from exc
            session.add(ProxyRegistration(neighbour_id=proxy.id, initiative_id=initiative.id,
                                          registered_by_id=broker.id, asked_by=asked_by.strip(),
                                          consent_way=ConsentWay(consent_way), consent_on=consent_on,
                                          idempotency_key=key, created_at=now))
            services.log_action(session, broker, initiative, proxy, ProxyAction.REGISTERED, now=now)
    except IntegrityError:
        existing = registered_with_key(session, initiative, key)
        if existing is None:
            raise DomainError(_l("Something else was saved at the same moment. Please try again.")) from None
        return existing, False
    return proxy, True


def post_for(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, data: posts.PostInput) -> Post:
    """Post an ask or offer for a proxy neighbour (``services.post_for_proxy``), logged."""
    post = services.post_for_proxy(session, broker, initiative, proxy, data)
    services.log_action(session, broker, initiative, proxy, ProxyAction.POSTED, note=post.title)
    return post


# --- acting for a proxy neighbour on a match -----------------------------------------------------

def done_for(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, minutes: int, *,
             km: int | None = None, now: datetime | None = None) -> ProxyAction:
    """Say for the proxy that the help is done, with the time it took; or confirm it when the other person said
    so. Returns which of the two it was."""
    _require_acting(session, broker, initiative, match, proxy)
    if (match.status == MatchStatus.ACCEPTED and match.done_marked_at is not None
            and match.done_marked_by_id != proxy.id):
        matches.confirm_done(session, proxy, match, minutes, now=now, km=km)
        action = ProxyAction.CONFIRMED_DONE
    else:
        matches.mark_done(session, proxy, match, minutes, now=now, km=km)
        action = ProxyAction.MARKED_DONE
    services.log_action(session, broker, initiative, proxy, action, match=match, note=str(minutes), now=now)
    return action


def thank_for(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, body: str, *,
              now: datetime | None = None) -> ThankYou:
    """The proxy's thank-you note, written down by the broker."""
    _require_acting(session, broker, initiative, match, proxy)
    note = matches.thank(session, proxy, match, body, now=now)
    services.log_action(session, broker, initiative, proxy, ProxyAction.THANKED, match=match, now=now)
    return note


def cancel_for(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, reason: str, *,
               now: datetime | None = None) -> None:
    """Cancel a match for the proxy, saying why (the other person reads it)."""
    _require_acting(session, broker, initiative, match, proxy)
    matches.cancel(session, proxy, match, reason, now=now)
    services.log_action(session, broker, initiative, proxy, ProxyAction.CANCELLED, match=match, note=reason.strip(), now=now)


def block_for(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, *,
              now: datetime | None = None) -> None:
    """Block the other person of the match for the proxy, when the proxy asks for it."""
    _require_acting(session, broker, initiative, match, proxy)
    other = session.get(Neighbour, match.other(proxy.id))
    moderation.block(session, proxy, other, now=now)
    services.log_action(session, broker, initiative, proxy, ProxyAction.BLOCKED, match=match, now=now)


def broker_mark(broker: Neighbour, initiative: Initiative, proxy: Neighbour, locale: str | None) -> str:
    """The line above a message a broker wrote for a proxy, in the reader's language."""
    with force_locale(locale or "nl"):
        return gettext("Written by %(broker)s of %(initiative)s, for %(name)s:", broker=broker.display_name,
                       initiative=initiative.name, name=proxy.display_name)


def message_for(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, body: str, *,
                now: datetime | None = None) -> Message:
    """Write in the conversation for the proxy; the message says that the broker wrote it."""
    _require_acting(session, broker, initiative, match, proxy)
    if not body.strip():
        raise DomainError(_l("Write a message first."))
    reader = session.get(Neighbour, match.other(proxy.id))
    text = f"{broker_mark(broker, initiative, proxy, reader.locale if reader else None)}\n{body.strip()}"
    message = matches.post_message(session, proxy, match, text, now=now)
    services.log_action(session, broker, initiative, proxy, ProxyAction.MESSAGED, match=match, now=now)
    return message


def read_conversation(session, broker: Neighbour, initiative: Initiative, match: Match, proxy: Neighbour, *,
                      log: bool = True, now: datetime | None = None) -> list[Message]:
    """The conversation of the proxy's match, oldest first; with ``log``, that the broker read it is logged
    (again only after a while)."""
    now = now or utcnow()
    _require_acting(session, broker, initiative, match, proxy)
    read_lately = not log or session.scalar(sa.select(sa.exists().where(
        BrokerAction.neighbour_id == proxy.id, BrokerAction.match_id == match.id, BrokerAction.broker_id == broker.id,
        BrokerAction.action == ProxyAction.READ_CONVERSATION, BrokerAction.created_at > now - READ_AGAIN_AFTER)))
    if not read_lately:
        services.log_action(session, broker, initiative, proxy, ProxyAction.READ_CONVERSATION, match=match, now=now)
    return list(session.scalars(sa.select(Message).where(Message.match_id == match.id)
                                .options(so.joinedload(Message.author))
                                .order_by(Message.created_at, Message.id)))


# --- the phone list ------------------------------------------------------------------------------

@dataclass
class Waiting:
    """One thing waiting for a proxy neighbour: an answer to give, agreed help not done, a follow-up due."""

    kind: str  # "answer", "agreed" or "follow_up"
    match: Match
    count: int = 1  # for "answer": how many suggestions and proposals on the same post wait


@dataclass
class PhoneListRow:
    neighbour: Neighbour
    waiting: list[Waiting] = field(default_factory=list)


def phone_list(session, initiative: Initiative, now: datetime, follow_up_days: int) -> list[PhoneListRow]:
    """The initiative's proxy neighbours by name, each with what waits for them, in two queries."""
    proxies = session.scalars(sa.select(Neighbour).where(access.served_by(initiative),
                                                         Neighbour.proxy_initiative_id == initiative.id)
                              .order_by(Neighbour.display_name, Neighbour.id)).all()
    rows = {p.id: PhoneListRow(p) for p in proxies}
    if not rows:
        return []
    ids = (sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id == initiative.id,
                                         Neighbour.deleted_at.is_(None)).scalar_subquery())
    followed = sa.exists().where(FollowUp.match_id == Match.id)
    found = session.scalars(
        sa.select(Match)
        .where(access.match_served_by(initiative), sa.or_(Match.asker_id.in_(ids), Match.helper_id.in_(ids)),
               sa.or_(Match.status.in_([MatchStatus.SUGGESTED, MatchStatus.PROPOSED, MatchStatus.ACCEPTED]),
                      sa.and_(Match.status.in_([MatchStatus.DONE, MatchStatus.THANKED]),
                              Match.done_at <= now - timedelta(days=follow_up_days), ~followed)))
        .options(so.joinedload(Match.ask), so.joinedload(Match.offer), so.joinedload(Match.asker),
                 so.joinedload(Match.helper))
        .order_by(Match.created_at, Match.id)).unique().all()
    answers: dict[tuple[int, int], Waiting] = {}
    for match in found:
        for person_id in {match.asker_id, match.helper_id} & rows.keys():
            row = rows[person_id]
            if match.status in (MatchStatus.SUGGESTED, MatchStatus.PROPOSED):
                if person_id in matches.waiting_for(match):
                    # the matcher suggests several neighbours for one ask: one line per post
                    key = (person_id, match.post.id)
                    if key in answers:
                        answers[key].count += 1
                    else:
                        answers[key] = Waiting("answer", match)
                        row.waiting.append(answers[key])
            elif match.status == MatchStatus.ACCEPTED:
                row.waiting.append(Waiting("agreed", match))
            else:
                row.waiting.append(Waiting("follow_up", match))
    return list(rows.values())
