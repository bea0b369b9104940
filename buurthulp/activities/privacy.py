"""What activities keep about a person: exported with their data, and gone when they delete their account."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.activities import services, signups
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivityMessage,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
    SignupStatus,
)
from buurthulp.db import utcnow
from buurthulp.timeutil import local_today


def export_activities(session, neighbour: Neighbour) -> dict:
    """The activities the person organises or put on, their sign-ups, notes and messages to those coming."""
    organised = session.scalars(
        sa.select(Activity).where(sa.or_(
            Activity.author_id == neighbour.id,
            Activity.id.in_(sa.select(ActivityOrganiser.activity_id)
                            .where(ActivityOrganiser.neighbour_id == neighbour.id))))
        .order_by(Activity.id)).all()
    organiser_of = set(session.scalars(sa.select(ActivityOrganiser.activity_id)
                                       .where(ActivityOrganiser.neighbour_id == neighbour.id)))
    signed_up = session.execute(
        sa.select(ActivitySignup, Activity.title).join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(ActivitySignup.neighbour_id == neighbour.id).order_by(ActivitySignup.on_date, ActivitySignup.id)).all()
    notes = session.execute(
        sa.select(ActivityNote, Activity.title).join(Activity, Activity.id == ActivityNote.activity_id)
        .where(ActivityNote.author_id == neighbour.id).order_by(ActivityNote.id)).all()
    messages = session.execute(
        sa.select(ActivityMessage, Activity.title).join(Activity, Activity.id == ActivityMessage.activity_id)
        .where(ActivityMessage.author_id == neighbour.id).order_by(ActivityMessage.id)).all()
    return {"activities": {
        "organised": [{"title": a.title, "description": a.description, "first_date": a.starts_on.isoformat(),
                       "repeat": str(a.repeat), "until": a.repeat_until.isoformat() if a.repeat_until else None,
                       "status": str(a.status), "put_on_by_you": a.author_id == neighbour.id,
                       "organiser": a.id in organiser_of, "created_at": a.created_at.isoformat()}
                      for a in organised],
        "sign_ups": [{"activity": title, "date": s.on_date.isoformat(), "status": str(s.status),
                      "signed_up_at": s.created_at.isoformat(), "by_a_broker": s.signed_up_by_id is not None}
                     for s, title in signed_up],
        "notes": [{"activity": title, "date": n.on_date.isoformat(), "text": n.body,
                   "written_at": n.created_at.isoformat()} for n, title in notes],
        "messages": [{"activity": title, "date": m.on_date.isoformat(), "text": m.body,
                      "written_at": m.created_at.isoformat()} for m, title in messages],
    }}


def _organised_alone(session, neighbour: Neighbour) -> list[Activity]:
    """Active activities the person organises with nobody else (and no initiative whose coordinators organise it)."""
    others = sa.select(ActivityOrganiser.activity_id).where(ActivityOrganiser.neighbour_id != neighbour.id)
    return list(session.scalars(
        sa.select(Activity).join(ActivityOrganiser, ActivityOrganiser.activity_id == Activity.id)
        .where(ActivityOrganiser.neighbour_id == neighbour.id, Activity.initiative_id.is_(None),
               Activity.id.not_in(others)).order_by(Activity.id)))


def _ever_joined_or_held(session, activity: Activity, neighbour: Neighbour) -> bool:
    """Someone else signed up for it, or a date of it was counted: it is part of the neighbourhood's history."""
    return bool(session.scalar(sa.select(sa.or_(
        sa.exists().where(ActivitySignup.activity_id == activity.id, ActivitySignup.neighbour_id != neighbour.id),
        sa.exists().where(ActivityDate.activity_id == activity.id, ActivityDate.attendance.is_not(None))))))


def forget_activities(session, neighbour: Neighbour) -> None:
    """On deletion: what the person put on alone stops, and their sign-ups, notes, messages and organiser roles go.

    An activity with other organisers (or an initiative's, whose coordinators organise it) simply goes on without
    them: those coming lose nothing. One they organised alone has nobody left to run it, so it is cancelled and
    everyone coming hears it at once, as when an organiser cancels, rather than people turning up to find nobody
    there. If nobody else ever signed up for it and no date was counted, nothing of it is worth keeping: it is
    deleted. A cancelled or past activity others came to stays, without its author, so that what the
    neighbourhood did (the funders' figures) does not change. A place someone gives up moves the waiting list
    up, as when they leave themselves.
    """
    now = utcnow()
    today = local_today(now)
    alone = _organised_alone(session, neighbour)
    stopping = {a.id for a in alone}
    # their own sign-ups first, so that the cancellations below do not write to them
    for signup in session.scalars(sa.select(ActivitySignup).where(ActivitySignup.neighbour_id == neighbour.id)
                                  .order_by(ActivitySignup.id)).all():
        activity = session.get(Activity, signup.activity_id)
        gives_up_a_place = (signup.status == SignupStatus.COMING and signup.on_date >= today
                            and activity.status == ActivityStatus.ACTIVE and activity.id not in stopping)
        if gives_up_a_place:
            signups.lock(session, activity)
        session.delete(signup)
        session.flush()
        if gives_up_a_place:
            signups.move_up(session, activity, signup.on_date, now)
    for activity in alone:
        if not _ever_joined_or_held(session, activity, neighbour):
            session.delete(activity)
        elif activity.status == ActivityStatus.ACTIVE and (activity.last_on is None or activity.last_on >= today):
            services.cancel(session, neighbour, activity, now)
    session.flush()
    session.execute(sa.delete(ActivityNote).where(ActivityNote.author_id == neighbour.id))
    session.execute(sa.delete(ActivityMessage).where(ActivityMessage.author_id == neighbour.id))
    session.execute(sa.delete(ActivityOrganiser).where(ActivityOrganiser.neighbour_id == neighbour.id))
    session.execute(sa.update(Activity).where(Activity.author_id == neighbour.id).values(author_id=None))
    session.execute(sa.update(ActivitySignup).where(ActivitySignup.signed_up_by_id == neighbour.id)
                    .values(signed_up_by_id=None))
