"""Run the matcher and store its suggestions; tell askers at most once a week."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from buurthulp.matching.changes import MARGIN, Changes, adjacency, refresh_likers, settings_key, what_changed
from buurthulp.matching.columns import MICRO
from buurthulp.matching.engine import match_sides
from buurthulp.matching.load import WEEK, any_of, load
from buurthulp.matching.models import MatchingCap, MatchingRun
from buurthulp.posts.matches import expire_suggestions
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Notification, NotificationKind

FULL_EVERY = timedelta(days=1)  # the daily full run: also what no timestamp records (a block lifted) counts then
KEEP_RUNS = timedelta(days=30)
MATCH_COLUMNS = ("ask_id", "offer_id", "asker_id", "helper_id", "source", "status", "score", "reasons", "note",
                 "cancel_reason", "created_at", "updated_at")


def run_matching(session, now: datetime, full: bool = False) -> dict:
    """Suggest helpers for open asks; a rerun on unchanged data suggests nothing new.

    Only the asks and helpers that changed since the last run are looked at again (``changes.py``); all of them
    when ``full``, on the first run, once a day, and when the settings or the neighbourhood map changed.
    """
    config = current_app.config
    started = time.perf_counter()
    # suggestions nobody answered in time end first: their asks have room for the next helper, found below
    expired = expire_suggestions(session, now, config["MATCH_SUGGESTION_DAYS"])
    decline_pause = timedelta(days=config["MATCH_DECLINE_PAUSE_DAYS"])
    session.flush()  # the connection does not flush on its own: changes of this transaction count too
    adjacent = adjacency(session)
    settings = settings_key(config, adjacent)
    last = session.scalars(sa.select(MatchingRun).order_by(MatchingRun.ran_at.desc(), MatchingRun.id.desc())
                           .limit(1)).first()
    last_full = session.scalars(sa.select(MatchingRun.ran_at).where(MatchingRun.full)
                                .order_by(MatchingRun.ran_at.desc()).limit(1)).first()
    full = (full or last is None or last_full is None or now - last_full >= FULL_EVERY or now < last.ran_at
            or last.settings != settings)
    if not full and session.connection().dialect.name == "postgresql":
        # The hourly run reads a few thousand rows by key from tables the pages keep in memory. PostgreSQL's
        # default costs assume a spinning disk and then read whole tables instead; for this transaction only,
        # tell it that a read by key costs about what it costs here.
        session.execute(sa.text("SET LOCAL random_page_cost = 1.1"))
    profiles = refresh_likers(session, None if full else last.ran_at - MARGIN)
    changes = Changes() if full else what_changed(session, last.ran_at - MARGIN, now, profiles, decline_pause)
    # old runs go, but never the last full one (its time decides when the next full run is due)
    session.execute(sa.delete(MatchingRun).where(MatchingRun.ran_at < now - KEEP_RUNS,
                                                 sa.not_(sa.and_(MatchingRun.full, MatchingRun.ran_at == last_full))))
    session.add(MatchingRun(ran_at=now, full=full, settings=settings))
    if not full and not changes:
        return {"full": False, "expired": expired, "buckets": 0, "asks": 0, "helpers": 0, "suggestions": 0,
                "askers_told": 0, "helpers_told": 0,
                "load_ms": round((time.perf_counter() - started) * 1000), "match_ms": 0, "store_ms": 0}
    asks, helpers, ctx = load(session, now, max_metres=config["MATCH_MAX_METRES"], k=config["MATCH_SUGGESTIONS_PER_ASK"],
                              m=config["MATCH_PROPOSALS_PER_HELPER_PER_WEEK"],
                              decline_pause=decline_pause,
                              region=None if full else changes.region(adjacent), adjacent=adjacent)
    loaded = time.perf_counter()
    chosen = match_sides(asks, helpers, ctx)
    matched = time.perf_counter()
    source, status = MatchSource.SCHEDULER.value, MatchStatus.SUGGESTED.value
    bulk_insert(session, Match.__table__, MATCH_COLUMNS, (
        (ask, offer or None, asker, helper, source, status, score / MICRO, reasons, "", "", now, now)
        for ask, offer, asker, helper, score, reasons in zip(
            chosen.ask.tolist(), chosen.offer.tolist(), chosen.asker.tolist(), chosen.helper.tolist(),
            chosen.score.tolist(), chosen.reasons_json(), strict=True)))
    refresh_caps(session, now, ctx.m, None if full else sorted(set(chosen.helper.tolist())))
    askers_told, helpers_told = tell(session, sorted(set(chosen.asker.tolist())),
                                     list(zip(chosen.helper.tolist(), chosen.ask.tolist(), strict=True)), now)
    stored = time.perf_counter()
    return {"full": full, "expired": expired, "buckets": changes.buckets(), "asks": len(asks), "helpers": len(helpers),
            "suggestions": len(chosen), "askers_told": askers_told, "helpers_told": helpers_told,
            "load_ms": round((loaded - started) * 1000), "match_ms": round((matched - loaded) * 1000),
            "store_ms": round((stored - matched) * 1000)}


def tell(session, asker_ids: list[int], helper_asks: list[tuple[int, int]], now: datetime) -> tuple[int, int]:
    """In the app: each asker that there are suggestions, each suggested helper which ask they could help with
    (``helper_asks``: (helper, ask) pairs). The hourly notification mail takes them along at most once a week per
    person (``posts.notifications.mail_if_due``), so nothing here touches the neighbours' rows. (How many askers,
    helpers.)"""
    rows = [(person, NotificationKind.SUGGESTED.value, None, now) for person in asker_ids]
    rows += [(person, NotificationKind.SUGGESTED_TO_HELP.value, ask, now) for person, ask in helper_asks]
    bulk_insert(session, Notification.__table__, ("neighbour_id", "kind", "post_id", "created_at"), rows)
    return len(asker_ids), len(helper_asks)


def refresh_caps(session, now: datetime, m: int, helpers: list[int] | None) -> None:
    """Work out the helpers' weekly caps (``MatchingCap``) again after a run: of ``helpers`` (the ones it
    suggested), or of everyone (None, the full run).

    A helper is at their cap while at least ``m`` of the matcher's suggestions to them were made in the last week:
    until the ``m``-th newest of them is a week old. Only the matcher makes suggestions, so after a run only the
    helpers it suggested can have a new cap, and time ends caps on its own. What no run sees (a match deleted with
    an erased asker) can only make a cap end sooner than written here; the daily full run builds the table again.
    The engine still counts the week of every helper it loads, so this table only saves reading, never decides.
    """
    db = session.connection()
    table = MatchingCap.__table__
    mine = sa.true() if helpers is None else any_of(session, Match.helper_id, helpers)
    newest = sa.select(Match.helper_id, Match.created_at, sa.func.row_number().over(
        partition_by=Match.helper_id, order_by=(Match.created_at.desc(), Match.id.desc())).label("n")).where(
        Match.source == MatchSource.SCHEDULER, Match.created_at >= now - WEEK, mine).subquery()
    rows = db.execute(sa.select(newest.c.helper_id, newest.c.created_at).where(newest.c.n == m)).all() \
        if helpers is None or helpers else []
    if helpers is None:
        db.execute(sa.delete(table))
    else:  # caps that ended, and those of the helpers worked out again
        db.execute(sa.delete(table).where(sa.or_(table.c.until < now, any_of(session, table.c.neighbour_id, helpers)
                                                 if helpers else sa.false())))
    bulk_insert(session, table, ("neighbour_id", "until"), ((helper, made + WEEK) for helper, made in rows))


def bulk_insert(session, table: sa.Table, columns: tuple[str, ...], rows) -> None:
    """Many rows (tuples in the order of ``columns``; JSON columns as JSON text) at once.

    COPY on PostgreSQL (ten times faster than INSERT at 100k rows), one executemany elsewhere.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        rows = list(rows)
        if rows:
            json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)]
            session.execute(sa.insert(table), [
                {c: json.loads(v) if i in json_at else v for i, (c, v) in enumerate(zip(columns, row, strict=True))}
                for row in rows])
        return
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
