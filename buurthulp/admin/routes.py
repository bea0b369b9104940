"""The site admin's area: neighbourhoods, initiatives, roles and site admins, scheduled jobs and the mail outbox."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from buurthulp import outbox
from buurthulp.accounts.models import Neighbour, find_by_email
from buurthulp.admin import bp
from buurthulp.core.models import JobRun, RunOutcome
from buurthulp.db import LIKE_ESCAPE, contains_pattern
from buurthulp.errors import DomainError
from buurthulp.extensions import db, login_manager
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.input import page_arg
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.forms import GrantRoleForm, InitiativeForm, NeighbourhoodForm
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, Neighbourhood, Role
from buurthulp.outbox import OutboxMail
from buurthulp.scheduler import registered_jobs
from buurthulp.timeutil import local_to_utc, local_today

PAGE_SIZE = 50


@bp.before_request
def only_site_admins():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)


@bp.route("/")
def dashboard():
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Neighbourhood).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Initiative).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Neighbour).where(Neighbour.deleted_at.is_(None)).scalar_subquery(),
    )).one()
    return render_template("admin/dashboard.html", neighbourhoods=counts[0], initiatives=counts[1], neighbours=counts[2])


@bp.route("/neighbourhoods")
def neighbourhoods():
    rows = db.session.scalars(
        sa.select(Neighbourhood).options(so.selectinload(Neighbourhood.postcodes), so.selectinload(Neighbourhood.adjacent))
        .order_by(Neighbourhood.municipality, Neighbourhood.name)
    ).all()
    return render_template("admin/neighbourhoods.html", neighbourhoods=rows)


@bp.route("/neighbourhoods/new", methods=["GET", "POST"])
@bp.route("/neighbourhoods/<int:hood_id>", methods=["GET", "POST"])
def edit_neighbourhood(hood_id: int | None = None):
    hood = db.get_or_404(Neighbourhood, hood_id) if hood_id else None
    form = NeighbourhoodForm(obj=hood if request.method == "GET" else None)
    others = [n for n in services.all_neighbourhoods(db.session) if hood is None or n.id != hood.id]
    form.adjacent.choices = [(n.id, f"{n.name} ({n.municipality})") for n in others]
    if request.method == "GET" and hood is not None:
        form.postcodes.data = hood.postcode_list
        form.adjacent.data = [n.id for n in hood.adjacent]
    if form.validate_on_submit():
        try:
            prefixes = services.parse_postcode_prefixes(form.postcodes.data)
            adjacent = [n for n in others if n.id in set(form.adjacent.data or [])]
            hood = services.save_neighbourhood(
                db.session, hood, name=form.name.data, municipality=form.municipality.data, prefixes=prefixes,
                adjacent=adjacent,
                centre_lat=float(form.centre_lat.data) if form.centre_lat.data is not None else None,
                centre_lon=float(form.centre_lon.data) if form.centre_lon.data is not None else None,
            )
        except DomainError as exc:
            db.session.rollback()
            form.postcodes.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Neighbourhood %(name)s is saved.", name=hood.name), "success")
            return redirect(url_for("admin.neighbourhoods"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/neighbourhood_form.html", form=form, hood=hood), status


@bp.route("/initiatives")
def initiatives():
    rows = db.session.scalars(
        sa.select(Initiative).options(so.selectinload(Initiative.neighbourhoods)).order_by(Initiative.name)
    ).all()
    member_counts = dict(db.session.execute(
        sa.select(Membership.initiative_id, sa.func.count())
        .where(Membership.status == MembershipStatus.ACTIVE).group_by(Membership.initiative_id)
    ).all())
    return render_template("admin/initiatives.html", initiatives=rows, member_counts=member_counts)


@bp.route("/initiatives/new", methods=["GET", "POST"])
@bp.route("/initiatives/<int:initiative_id>", methods=["GET", "POST"])
def edit_initiative(initiative_id: int | None = None):
    ini = db.get_or_404(Initiative, initiative_id) if initiative_id else None
    form = InitiativeForm(obj=ini if request.method == "GET" else None)
    hoods = services.all_neighbourhoods(db.session)
    form.neighbourhoods.choices = [(n.id, f"{n.name} ({n.municipality})") for n in hoods]
    if request.method == "GET" and ini is not None:
        form.neighbourhoods.data = [n.id for n in ini.neighbourhoods]
        form.hidden_categories.data = sorted(ini.hidden)
    if form.validate_on_submit():
        chosen = [n for n in hoods if n.id in set(form.neighbourhoods.data or [])]
        try:
            ini = services.save_initiative(db.session, ini, name=form.name.data, description=form.description.data,
                                           contact_email=form.contact_email.data, neighbourhoods=chosen)
            services.set_hidden_categories(db.session, current_user, ini, form.hidden_categories.data or [])
        except DomainError as exc:
            db.session.rollback()
            form.neighbourhoods.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Initiative %(name)s is saved.", name=ini.name), "success")
            return redirect(url_for("admin.initiative_roles", initiative_id=ini.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/initiative_form.html", form=form, initiative=ini), status


@bp.route("/initiatives/<int:initiative_id>/roles", methods=["GET", "POST"])
def initiative_roles(initiative_id: int):
    ini = db.get_or_404(Initiative, initiative_id)
    form = GrantRoleForm()
    if form.validate_on_submit():
        neighbour = find_by_email(db.session, form.email.data)
        if neighbour is None or neighbour.deleted_at is not None:
            form.email.errors.append(_("There is no neighbour with this e-mail address."))
        else:
            services.grant_role(db.session, ini, neighbour, Role(form.role.data))
            db.session.commit()
            flash(_("%(name)s has the role now.", name=neighbour.display_name), "success")
            return redirect(url_for("admin.initiative_roles", initiative_id=ini.id))
    members = db.session.scalars(
        sa.select(Membership).where(Membership.initiative_id == ini.id, Membership.status == MembershipStatus.ACTIVE)
        .options(so.joinedload(Membership.neighbour)).order_by(Membership.requested_at)
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template("admin/initiative_roles.html", initiative=ini, form=form, members=members), status


@bp.route("/neighbours")
def neighbours():
    query = request.args.get("q", "").strip()
    page = page_arg()
    stmt = sa.select(Neighbour).where(Neighbour.deleted_at.is_(None)).options(so.joinedload(Neighbour.neighbourhood))
    if query:
        like = contains_pattern(query.lower())
        stmt = stmt.where(sa.or_(sa.func.lower(Neighbour.display_name).like(like, escape=LIKE_ESCAPE),
                                 Neighbour.email.like(like, escape=LIKE_ESCAPE)))
    pagination = db.paginate(stmt.order_by(Neighbour.display_name, Neighbour.id), page=page, per_page=PAGE_SIZE,
                             error_out=False)
    return render_template("admin/neighbours.html", pagination=pagination, query=query, form=EmptyForm())


@bp.route("/neighbours/<int:neighbour_id>/admin", methods=["POST"])
def toggle_admin(neighbour_id: int):
    neighbour = db.get_or_404(Neighbour, neighbour_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if neighbour.id == current_user.id:
        flash(_("You cannot take away your own admin rights."), "error")
        return neighbours(), 400
    neighbour.is_admin = not neighbour.is_admin
    db.session.commit()
    flash(_("%(name)s is now a site admin.", name=neighbour.display_name) if neighbour.is_admin
          else _("%(name)s is no longer a site admin.", name=neighbour.display_name), "success")
    return redirect(url_for("admin.neighbours", q=request.args.get("q", "")))


@bp.route("/jobs")
def jobs():
    recent = db.session.scalars(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(100)).all()
    failures = db.session.scalars(
        sa.select(JobRun).where(JobRun.outcome == RunOutcome.FAILED).order_by(JobRun.started_at.desc()).limit(20)
    ).all()
    return render_template("admin/jobs.html", jobs=registered_jobs().values(), recent=recent, failures=failures)


# --- the mail outbox ----------------------------------------------------------------------------

@bp.route("/mail")
def mail():
    waiting, oldest = outbox.waiting(db.session)
    today = local_to_utc(local_today(), time(0))
    return render_template("admin/mail.html", waiting=waiting, oldest=oldest,
                           sent_today=outbox.sent_since(db.session, today), failing=outbox.failing(db.session),
                           form=EmptyForm(), server=bool(current_app.config.get("MAIL_SERVER")))


def _on_mail(mail_id: int, change, message: str):
    """A button on a failing mail: change it (``outbox.retry`` or ``outbox.discard``) and go back to the list."""
    row = db.session.get(OutboxMail, mail_id)
    if row is None:
        abort(404)
    if not valid_submission(EmptyForm()):
        abort(400)
    change(db.session, row)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.mail"))


@bp.route("/mail/<int:mail_id>/retry", methods=["POST"])
def retry_mail(mail_id: int):
    return _on_mail(mail_id, outbox.retry, _("The mail is sent again within a minute."))


@bp.route("/mail/<int:mail_id>/discard", methods=["POST"])
def discard_mail(mail_id: int):
    return _on_mail(mail_id, outbox.discard, _("The mail will not be sent."))
