"""Run the matcher and store its suggestions; tell askers at most once a week."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from buurthulp.accounts.models import Neighbour
from buurthulp.matching.engine import match
from buurthulp.matching.load import load
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Notification, NotificationKind


def run_matching(session, now: datetime) -> dict:
    """Suggest helpers for open asks; a rerun on unchanged data suggests nothing new."""
    config = current_app.config
    asks, helpers, ctx = load(session, now, max_metres=config["MATCH_MAX_METRES"], k=config["MATCH_SUGGESTIONS_PER_ASK"],
                              m=config["MATCH_PROPOSALS_PER_HELPER_PER_WEEK"])
    chosen = match(asks, helpers, ctx)
    if chosen:
        # Core inserts: batched into a few multi-row statements, no ORM objects for thousands of rows
        session.execute(sa.insert(Match.__table__), [{
            "ask_id": s.ask, "offer_id": s.offer, "asker_id": s.asker, "helper_id": s.helper,
            "source": MatchSource.SCHEDULER, "status": MatchStatus.SUGGESTED, "score": s.score,
            "reasons": list(s.reasons), "note": "", "cancel_reason": "", "created_at": now, "updated_at": now,
        } for s in chosen])
    told = tell_askers(session, sorted({s.asker for s in chosen}), now)
    return {"asks": len(asks), "helpers": len(helpers), "suggestions": len(chosen), "askers_told": told}


def tell_askers(session, asker_ids: list[int], now: datetime) -> int:
    """An in-app notification for each asker; by mail at most once a week (configurable)."""
    if not asker_ids:
        return 0
    gap = timedelta(days=current_app.config["MATCH_SUGGESTION_MAIL_DAYS"])
    people = session.execute(sa.select(Neighbour.id, Neighbour.suggestions_mailed_at)
                             .where(Neighbour.id.in_(asker_ids))).all()
    rows, mail_now = [], []
    for person, last in people:
        by_mail = last is None or last <= now - gap
        rows.append({"neighbour_id": person, "kind": NotificationKind.SUGGESTED, "created_at": now,
                     "mailed_at": None if by_mail else now})
        if by_mail:
            mail_now.append(person)
    session.execute(sa.insert(Notification.__table__), rows)
    if mail_now:
        session.execute(sa.update(Neighbour).where(Neighbour.id.in_(mail_now)).values(suggestions_mailed_at=now))
    return len(rows)
