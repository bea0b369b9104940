"""Public neighbourhood pages; initiatives, joining them, and coordinators managing members."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import InvalidPostcode, Neighbour, find_by_email, normalise_postcode
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.neighbourhoods import bp, services
from buurthulp.neighbourhoods.forms import BrokerTitleForm, HiddenCategoriesForm, PlaceForm, RolesForm
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, Neighbourhood, Role


@bp.route("/neighbourhoods/<slug>")
def neighbourhood(slug: str):
    hood = db.first_or_404(
        sa.select(Neighbourhood).where(Neighbourhood.slug == slug)
        .options(so.selectinload(Neighbourhood.adjacent), so.selectinload(Neighbourhood.initiatives))
    )
    neighbour_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Neighbour)
        .where(Neighbour.neighbourhood_id == hood.id, Neighbour.deleted_at.is_(None))
    )
    return render_template("neighbourhoods/neighbourhood.html", hood=hood, neighbour_count=neighbour_count)


@bp.route("/postcode-lookup")
def postcode_lookup():
    """The neighbourhood proposed for a postcode, for the registration form's script."""
    try:
        postcode = normalise_postcode(request.args.get("postcode", ""))
    except InvalidPostcode as exc:
        return jsonify(error=str(exc.message)), 400
    hood = services.neighbourhood_for_postcode(db.session, postcode)
    if hood is None:
        return jsonify(postcode=postcode, neighbourhood=None,
                       message=_("No neighbourhood on buurthulp covers this postcode yet. You can join anyway: "
                                 "an initiative near you can add you to one of its neighbourhoods."))
    return jsonify(postcode=postcode, neighbourhood={"id": hood.id, "name": hood.name},
                   message=_("Your neighbourhood: %(name)s", name=hood.name))


@bp.route("/initiatives")
@login_required
def initiatives():
    near = services.initiatives_near(db.session, current_user)
    mine = {m.initiative_id: m for m in services.memberships_of(current_user)}
    return render_template("neighbourhoods/initiatives.html", initiatives=near, mine=mine, form=EmptyForm())


def _initiative_or_404(slug: str) -> Initiative:
    return db.first_or_404(
        sa.select(Initiative).where(Initiative.slug == slug).options(so.selectinload(Initiative.neighbourhoods))
    )


@bp.route("/initiatives/<slug>")
@login_required
def initiative(slug: str):
    return _initiative_page(_initiative_or_404(slug))


def _initiative_page(ini: Initiative, error: DomainError | None = None, title_form=None):
    """The initiative page; with ``error`` shown on top and its 4xx status."""
    if error is not None:
        db.session.rollback()
        flash(str(error.message), "error")
    mine = services.membership(db.session, ini, current_user)
    manage = services.can_manage(db.session, current_user, ini)
    members = pending = []
    if manage:
        rows = db.session.scalars(
            sa.select(Membership).where(Membership.initiative_id == ini.id,
                                        Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]))
            .options(so.joinedload(Membership.neighbour))
            .order_by(Membership.requested_at)
        ).all()
        members = [m for m in rows if m.status == MembershipStatus.ACTIVE]
        pending = [m for m in rows if m.status == MembershipStatus.PENDING]
    can_join = current_user.neighbourhood_id in {n.id for n in ini.neighbourhoods}
    return render_template(
        "neighbourhoods/initiative.html", initiative=ini, mine=mine, manage=manage, members=members,
        pending=pending, can_join=can_join, form=EmptyForm(), roles_form=RolesForm(), Role=Role,
        can_place=access.may_place_people(db.session, current_user, ini),
        categories_form=HiddenCategoriesForm(hidden_categories=sorted(ini.hidden)),
        title_form=title_form or BrokerTitleForm(broker_title=ini.broker_title.value),
    ), (error.status_code if error is not None else 200)


@bp.route("/initiatives/<slug>/join", methods=["POST"])
@login_required
def join(slug: str):
    ini = _initiative_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.request_membership(db.session, current_user, ini)
    except DomainError as exc:
        return _initiative_page(ini, exc)
    db.session.commit()
    flash(_("Your request is sent. A coordinator of %(name)s will look at it soon.", name=ini.name), "success")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


def _managed_membership(slug: str, membership_id) -> Membership:
    ini = _initiative_or_404(slug)
    if not services.can_manage(db.session, current_user, ini):
        abort(403)
    try:
        membership_id = int(membership_id)
    except (TypeError, ValueError):
        abort(400)
    m = db.session.get(Membership, membership_id)
    if m is None or m.initiative_id != ini.id:
        abort(404)
    return m


@bp.route("/initiatives/<slug>/requests/<int:membership_id>", methods=["POST"])
@login_required
def decide(slug: str, membership_id: int):
    m = _managed_membership(slug, membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    if decision not in ("approve", "decline"):
        abort(400)
    approve = decision == "approve"
    try:
        services.decide_membership(db.session, current_user, m, approve)
    except DomainError as exc:
        return _initiative_page(m.initiative, exc)
    db.session.commit()
    if approve:
        flash(_("%(name)s is now a member.", name=m.neighbour.display_name), "success")
    else:
        flash(_("The request of %(name)s is declined.", name=m.neighbour.display_name), "info")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


@bp.route("/initiatives/<slug>/roles", methods=["POST"])
@login_required
def roles(slug: str):
    form = RolesForm()
    m = _managed_membership(slug, form.membership_id.data)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_roles(db.session, current_user, m, {Role(r) for r in form.roles.data})
    except DomainError as exc:
        return _initiative_page(m.initiative, exc)
    db.session.commit()
    flash(_("The roles of %(name)s are saved.", name=m.neighbour.display_name), "success")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


@bp.route("/initiatives/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove(slug: str, membership_id: int):
    m = _managed_membership(slug, membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = m.neighbour.display_name
    try:
        services.remove_member(db.session, current_user, m)
    except DomainError as exc:
        return _initiative_page(m.initiative, exc)
    db.session.commit()
    flash(_("%(name)s is no longer a member.", name=name), "info")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


@bp.route("/initiatives/<slug>/broker-title", methods=["POST"])
@login_required
def broker_title(slug: str):
    """A coordinator sets what the residents' pages call the initiative's broker."""
    ini = _initiative_or_404(slug)
    if not services.can_manage(db.session, current_user, ini):
        abort(403)
    form = BrokerTitleForm()
    if not valid_submission(form):
        return _initiative_page(ini, DomainError(_("Choose one of the titles for the broker.")), title_form=form)
    try:
        services.set_broker_title(db.session, current_user, ini, form.broker_title.data)
    except DomainError as exc:
        return _initiative_page(ini, exc, title_form=form)
    db.session.commit()
    flash(_("Saved: the neighbours of %(name)s now read “%(title)s”.", name=ini.name, title=ini.broker_title.label),
          "success")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


@bp.route("/initiatives/<slug>/categories", methods=["POST"])
@login_required
def categories(slug: str):
    ini = _initiative_or_404(slug)
    if not services.can_manage(db.session, current_user, ini):
        abort(403)
    form = HiddenCategoriesForm()
    if not valid_submission(form):
        return _initiative_page(ini, DomainError(_("Please check the form.")))
    services.set_hidden_categories(db.session, current_user, ini, form.hidden_categories.data or [])
    db.session.commit()
    flash(_("Saved: the kinds of help %(name)s does not take on.", name=ini.name), "success")
    return redirect(url_for("neighbourhoods.initiative", slug=slug))


@bp.route("/initiatives/<slug>/place", methods=["GET", "POST"])
@login_required
def place(slug: str):
    """Place someone whose postcode no neighbourhood covers in one of the initiative's neighbourhoods, as they asked.

    The approval the neighbourhood rule asks for (``neighbourhoods.services.home_neighbourhood``): the person
    tells a broker or coordinator their e-mail address, and they choose one of their initiative's neighbourhoods.
    """
    ini = access.require_places_people(slug)
    form = PlaceForm()
    form.neighbourhood.choices = [(n.id, f"{n.name} ({n.municipality})") for n in ini.neighbourhoods]
    if form.validate_on_submit():
        person = find_by_email(db.session, form.email.data)
        hood = next(n for n in ini.neighbourhoods if n.id == form.neighbourhood.data)
        try:
            services.place_in_neighbourhood(db.session, current_user, ini, person, hood)
        except DomainError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("%(name)s now belongs to %(neighbourhood)s.", name=person.display_name, neighbourhood=hood.name),
                  "success")
            return redirect(url_for("neighbourhoods.place", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("neighbourhoods/place.html", initiative=ini, form=form), status
