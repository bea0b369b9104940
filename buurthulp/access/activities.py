"""Who may see and do what with activities.

An activity is shown like a post: to neighbours of its neighbourhood and the ones next to it, unless it is
hidden or its author and the viewer blocked each other. Its organisers (and, for an initiative's activity, the
initiative's coordinators) change it, see who comes (first names) and write to them; moderators of its
neighbourhood hide it. A broker signs up a neighbour without internet whom their initiative represents.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from buurthulp.access.posts import blocked_ids, is_blocked, moderates
from buurthulp.access.rules import _nearby, is_broker_of, may_act_for_proxy
from buurthulp.access.web import _logged_in
from buurthulp.accounts.models import Neighbour
from buurthulp.activities.models import Activity, ActivityOrganiser, ActivityStatus
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus


def activity_seen_by(session, viewer: Neighbour):
    """SQL condition on Activity: shown to ``viewer`` in lists (``may_see_activity`` states the rule)."""
    if viewer.neighbourhood_id is None:
        return sa.false()
    blocked = blocked_ids(session, viewer.id)
    condition = sa.and_(Activity.hidden_at.is_(None), Activity.neighbourhood_id.in_(_nearby(viewer.neighbourhood_id)))
    if blocked:
        condition = sa.and_(condition, sa.or_(Activity.author_id.is_(None), Activity.author_id.not_in(blocked)))
    return condition


def is_organiser(session, person: Neighbour, activity: Activity) -> bool:
    """One of the activity's organisers (not the initiative's coordinators: see ``may_organise``)."""
    return bool(session.scalar(sa.select(sa.exists().where(ActivityOrganiser.activity_id == activity.id,
                                                           ActivityOrganiser.neighbour_id == person.id))))


def may_put_on_for(session, person: Neighbour, initiative: Initiative) -> bool:
    """Put on an activity in an initiative's name: its active coordinators."""
    return bool(session.scalar(sa.select(sa.exists().where(
        Membership.initiative_id == initiative.id, Membership.neighbour_id == person.id,
        Membership.status == MembershipStatus.ACTIVE, Membership.is_coordinator))))


def may_organise(session, person: Neighbour, activity: Activity) -> bool:
    """Change it, cancel or move a date, see who comes, write to them, count who came: its organisers, and for an
    initiative's activity that initiative's coordinators."""
    if is_organiser(session, person, activity):
        return True
    return activity.initiative is not None and may_put_on_for(session, person, activity.initiative)


def may_moderate_activity(session, person: Neighbour, activity: Activity) -> bool:
    """Hide or show it again, and its notes: the moderators of its neighbourhood (``access.moderates``)."""
    return moderates(session, person, activity.neighbourhood_id)


def may_see_activity(session, viewer: Neighbour, activity: Activity) -> bool:
    """Its page: its organisers and moderators always; anyone else when it is not hidden, is in their own or an
    adjacent neighbourhood, and its author and they did not block each other."""
    if may_organise(session, viewer, activity) or may_moderate_activity(session, viewer, activity):
        return True
    if activity.hidden_at is not None or viewer.neighbourhood_id is None:
        return False
    if activity.author_id is not None and is_blocked(session, viewer.id, activity.author_id):
        return False
    return bool(session.scalar(sa.select(sa.literal(activity.neighbourhood_id).in_(
        _nearby(viewer.neighbourhood_id)))))


def may_join(session, person: Neighbour, activity: Activity) -> bool:
    """Say "I'm coming" (or wait for a place): anyone who may see an active, not hidden activity."""
    return (activity.status == ActivityStatus.ACTIVE and activity.hidden_at is None and person.deleted_at is None
            and may_see_activity(session, person, activity))


def may_sign_up_for(session, broker: Neighbour, activity: Activity, person: Neighbour) -> bool:
    """Sign up a neighbour without internet and arrange their lift: a broker of the initiative that represents
    them (``may_act_for_proxy``), for an activity they could join themselves."""
    if person.proxy_initiative_id is None:
        return False
    initiative = session.get(Initiative, person.proxy_initiative_id)
    return (initiative is not None and may_act_for_proxy(session, broker, initiative, person)
            and may_join(session, person, activity))


def may_broker_activities(session, person: Neighbour, initiative: Initiative) -> bool:
    """The broker's activity pages of an initiative (sign up its neighbours without internet): its brokers."""
    return is_broker_of(session, person, initiative)


def require_activity(activity_id: int, rule=may_see_activity) -> Activity:
    """The activity with this id if ``rule`` holds for the current neighbour; else 401 (log in first), 404 (one
    they may not see: as if not there) or 403 (they see it, but this is not theirs to do)."""
    person = _logged_in()
    activity = db.session.get(Activity, activity_id)
    if activity is None or not may_see_activity(db.session, person, activity):
        abort(404)
    if rule is not may_see_activity and not rule(db.session, person, activity):
        abort(403)
    return activity
