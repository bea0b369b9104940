"""Pages about people: notifications, a neighbour's profile, blocking, and the moderators' reports list."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts import photos
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm
from buurthulp.posts import bp, moderation
from buurthulp.posts.models import Block, Notification, Post, Report, ThankYou


@bp.route("/notifications")
@login_required
def notifications():
    items = db.session.scalars(
        sa.select(Notification).where(Notification.neighbour_id == current_user.id)
        .options(so.joinedload(Notification.actor), so.joinedload(Notification.post),
                 so.joinedload(Notification.activity))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)
    ).all()
    return render_template("posts/notifications.html", items=items, form=EmptyForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.execute(sa.update(Notification).where(
        Notification.neighbour_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("posts.notifications"))


@bp.route("/neighbours/<int:neighbour_id>")
@login_required
def neighbour(neighbour_id: int):
    """A neighbour's profile, for the people ``access.may_see_profile`` names; 404 for anyone else."""
    person = access.require_profile(neighbour_id)
    me = current_user
    blocked_by_me = db.session.get(Block, (me.id, person.id)) is not None
    stmt = sa.select(ThankYou).where(ThankYou.helper_id == person.id).options(so.joinedload(ThankYou.author))
    if person.id != me.id:
        stmt = stmt.where(ThankYou.public)
    notes = db.session.scalars(stmt.order_by(ThankYou.created_at.desc()).limit(50)).all()
    return render_template("posts/neighbour.html", person=person, notes=notes, blocked_by_me=blocked_by_me,
                           is_me=person.id == me.id, form=EmptyForm(),
                           photos=photos.visible_photos(db.session, me, [person]))


@bp.route("/neighbours/<int:neighbour_id>/block", methods=["POST"])
@login_required
def block(neighbour_id: int):
    person = access.require_profile(neighbour_id)  # nobody learns a name they could not see
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        moderation.block(db.session, current_user, person)
    except DomainError:
        abort(400)
    db.session.commit()
    flash(_("%(name)s is blocked. You will not see each other's posts any more.", name=person.display_name), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=person.id))


@bp.route("/neighbours/<int:neighbour_id>/unblock", methods=["POST"])
@login_required
def unblock(neighbour_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    moderation.unblock(db.session, current_user, neighbour_id)
    db.session.commit()
    flash(_("The block is lifted."), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=neighbour_id))


@bp.route("/reports")
@login_required
def reports():
    hood_ids = access.moderated_neighbourhood_ids(db.session, current_user)
    if hood_ids is not None and not hood_ids:
        abort(403)
    stmt = (sa.select(Report).where(Report.resolved_at.is_(None))
            .options(so.joinedload(Report.post).joinedload(Post.author), so.joinedload(Report.message),
                     so.joinedload(Report.activity), so.joinedload(Report.reporter))
            .order_by(Report.created_at))
    if hood_ids is not None:
        stmt = stmt.where(Report.neighbourhood_id.in_(hood_ids))
    items = db.session.scalars(stmt).all()
    # the text as reported, for the reports whose post or message was changed or removed since
    changed = {r.id for r in items
               if r.snapshot and r.snapshot != moderation.snapshot_of(r.post, r.message, r.activity)}
    return render_template("posts/reports.html", reports=items, changed=changed, form=EmptyForm())


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@login_required
def resolve(report_id: int):
    item = db.get_or_404(Report, report_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        moderation.resolve_report(db.session, current_user, item)
    except NotAllowed:
        abort(403)
    except DomainError:
        abort(409)
    db.session.commit()
    flash(_("The report is handled."), "success")
    return redirect(url_for("posts.reports"))
