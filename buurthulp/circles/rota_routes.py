"""The rota of a circle: its slots, taking and giving back dates, check-ins."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import bp, invitations, shifts, suggest
from buurthulp.circles import rota as service
from buurthulp.circles.models import CheckIn, Circle, RotaSlot, SlotKind
from buurthulp.circles.rota_forms import DateForm, SlotForm, StopSlotForm, SwapForm, TickForm
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.pot.shares import counts_circle_help
from buurthulp.timeutil import local_today
from buurthulp.web import refused


def _slot_of(circle: Circle, slot_id: int | None) -> RotaSlot:
    slot = db.session.get(RotaSlot, slot_id) if slot_id else None
    if slot is None or slot.circle_id != circle.id:
        abort(404)
    return slot


def _weeks(rows: list[service.RotaDate]):
    """Rows grouped by week (its Monday) and by day."""
    by_week = groupby(rows, key=lambda r: r.on_date - timedelta(days=r.on_date.weekday()))
    return [(monday, [(day, list(items)) for day, items in groupby(week, key=lambda r: r.on_date)])
            for monday, week in by_week]


def _suggested(circle: Circle, slots: list[RotaSlot], coming: list[service.RotaDate], today: date) -> list:
    """For those who change the rota: per slot whose dates stay open, the neighbours the matcher suggests, each
    with the slot invitation they got in the last two weeks (or None). A fixed number of queries: the open dates
    are counted on the rota's own rows."""
    horizon = today + timedelta(days=suggest.HORIZON_DAYS)
    open_counts: dict[int, int] = {}
    for row in coming:
        if row.is_open and row.on_date < horizon:
            open_counts[row.slot.id] = open_counts.get(row.slot.id, 0) + 1
    now = utcnow()
    found = suggest.suggestions_for(db.session, circle, slots, now, open_counts=open_counts)
    if not found:
        return []
    invited = invitations.recent_slot_invites(db.session, found, now)
    return [(slot, [(s, invited.get((slot.id, s.person.id))) for s in found[slot.id]])
            for slot in slots if slot.id in found]


def _rota_page(circle: Circle, status: int = 200, *, failed: TickForm | None = None):
    me = current_user
    today = local_today()
    rows = service.rota(db.session, circle, today)
    may_take = access.may_take_dates(db.session, me, circle)
    may_change = service.may_change_rota(db.session, me, circle)
    coordinates = may_change or access.may_coordinate_circle(db.session, me, circle)
    readers = access.may_read_check_in_notes(db.session, me, circle)
    coming = [r for r in rows if r.on_date >= today]
    slots = service.circle_slots(db.session, circle, today, date.max) if may_change else []
    my_series = {}
    for row in coming:
        if row.series is not None and row.series.neighbour_id == me.id:
            my_series.setdefault(row.series.id, row)
    return render_template(
        "circles/rota.html", circle=circle, centre=circle.centre, today=today, weeks=_weeks(coming),
        to_tick=[r for r in rows if r.on_date <= today and r.holder_id == me.id and not r.done],
        flagged=[r for r in rows if r.on_date < today and r.flagged] if coordinates else [],
        my_series=list(my_series.values()), may_take=may_take, may_change=may_change,
        readers=readers, members=service.active_members(db.session, circle) if may_take else [],
        slots=slots, suggested=_suggested(circle, slots, coming, today) if may_change else [],
        check_ins=[r for r in rows if r.on_date <= today and r.is_check_in and r.done
                   and (readers or r.shift.taken_by_id == me.id)],
        failed=failed, SlotKind=SlotKind, CheckIn=CheckIn, when=service.when_label, at=service.time_label,
        repeat=service.repeat_label, no_health=service.NO_HEALTH,
        # how long a help date took: asked only when the circle's initiative counts circle help for its pot
        asks_hours=counts_circle_help(db.session, circle.initiative_id) if may_take else False,
    ), status


@bp.route("/<int:circle_id>/rota")
@login_required
def rota(circle_id: int):
    return _rota_page(access.require_circle(circle_id))


def _date_action(circle_id: int, form_class, act, done_message):
    """A button on a date: check the form, run the service, commit; a refusal shows the rota with the reason."""
    circle = access.require_circle(circle_id)
    form = form_class()
    if not valid_submission(form):
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _rota_page(circle, 400, failed=form if isinstance(form, TickForm) else None)
    slot = _slot_of(circle, form.slot_id.data)
    try:
        act(form, slot)
    except DomainError as exc:
        return _rota_page(circle, refused(exc), failed=form if isinstance(form, TickForm) else None)
    db.session.commit()
    flash(done_message(form, slot), "success")
    return redirect(url_for("circles.rota", circle_id=circle.id))


@bp.route("/<int:circle_id>/rota/take", methods=["POST"])
@login_required
def rota_take(circle_id: int):
    def act(form, slot):
        if form.whole_series:
            shifts.take_series(db.session, current_user, slot, form.on_date.data)
        else:
            shifts.take_date(db.session, current_user, slot, form.on_date.data)

    def said(form, slot):
        if form.whole_series:
            return _("Thank you! From %(date)s on, “%(title)s” is yours.",
                     date=service.when_label(slot, form.on_date.data), title=slot.title)
        return _("Thank you! You have “%(title)s” on %(date)s.", title=slot.title,
                 date=service.when_label(slot, form.on_date.data))

    return _date_action(circle_id, DateForm, act, said)


@bp.route("/<int:circle_id>/rota/give-back", methods=["POST"])
@login_required
def rota_give_back(circle_id: int):
    def act(form, slot):
        if form.whole_series:
            shifts.give_back_series(db.session, current_user, slot, form.on_date.data)
        else:
            shifts.give_back_date(db.session, current_user, slot, form.on_date.data)

    def said(form, slot):
        if form.whole_series:
            return _("You gave back the series “%(title)s”. The dates are open for others.", title=slot.title)
        return _("You gave back %(date)s. The date is open for others.",
                 date=service.when_label(slot, form.on_date.data))

    return _date_action(circle_id, DateForm, act, said)


@bp.route("/<int:circle_id>/rota/swap", methods=["POST"])
@login_required
def rota_swap(circle_id: int):
    def act(form, slot):
        other = db.session.get(Neighbour, form.to_id.data)
        if other is None:
            raise DomainError(_("Choose another member of this circle."))
        form.other = other
        shifts.swap_date(db.session, current_user, slot, form.on_date.data, other)

    def said(form, slot):
        return _("%(name)s now has %(date)s.", name=form.other.display_name,
                 date=service.when_label(slot, form.on_date.data))

    return _date_action(circle_id, SwapForm, act, said)


@bp.route("/<int:circle_id>/rota/done", methods=["POST"])
@login_required
def rota_done(circle_id: int):
    def act(form, slot):
        shifts.tick(db.session, current_user, slot, form.on_date.data, form.check_in(), form.note.data or "",
                    minutes=form.minutes())

    def said(form, slot):
        return _("Thank you! %(date)s is done.", date=service.when_label(slot, form.on_date.data))

    return _date_action(circle_id, TickForm, act, said)


# --- slots (the centre, their brokers, the coordinators) ---------------------------------------------------

def _leading(circle_id: int) -> Circle:
    circle = access.require_circle(circle_id)
    if not service.may_change_rota(db.session, current_user, circle):
        abort(403)
    return circle


def _slot_page(circle: Circle, form: SlotForm, slot: RotaSlot | None = None, status: int = 200, stop_form=None):
    return render_template("circles/slot_form.html", circle=circle, centre=circle.centre, form=form, slot=slot,
                           stop_form=stop_form or (StopSlotForm(prefix="stop") if slot is not None else None),
                           repeat=service.repeat_label), status


@bp.route("/<int:circle_id>/rota/slots/new", methods=["GET", "POST"])
@login_required
def slot_new(circle_id: int):
    circle = _leading(circle_id)
    form = SlotForm()
    if not form.is_submitted():
        form.starts_on.data = local_today()
        return _slot_page(circle, form)
    if not valid_submission(form):
        return _slot_page(circle, form, status=400)
    try:
        slot = service.add_slot(db.session, current_user, circle, form.to_input())
    except DomainError as exc:
        return _slot_page(circle, form, status=refused(exc))
    db.session.commit()
    flash(_("“%(title)s” is on the rota.", title=slot.title), "success")
    return redirect(url_for("circles.rota", circle_id=circle.id))


@bp.route("/<int:circle_id>/rota/slots/<int:slot_id>", methods=["GET", "POST"])
@login_required
def slot_edit(circle_id: int, slot_id: int):
    circle = _leading(circle_id)
    slot = _slot_of(circle, slot_id)
    form = SlotForm()
    if not form.is_submitted():
        form.fill(slot)
        return _slot_page(circle, form, slot)
    if not valid_submission(form):
        return _slot_page(circle, form, slot, status=400)
    try:
        service.change_slot(db.session, current_user, slot, form.to_input())
    except DomainError as exc:
        return _slot_page(circle, form, slot, status=refused(exc))
    db.session.commit()
    flash(_("“%(title)s” is changed.", title=slot.title), "success")
    return redirect(url_for("circles.rota", circle_id=circle.id))


@bp.route("/<int:circle_id>/rota/slots/<int:slot_id>/stop", methods=["POST"])
@login_required
def slot_stop(circle_id: int, slot_id: int):
    circle = _leading(circle_id)
    slot = _slot_of(circle, slot_id)
    form = StopSlotForm(prefix="stop")
    if not valid_submission(form):
        return _slot_page(circle, _filled(slot), slot, status=400, stop_form=form)
    try:
        service.stop_slot(db.session, current_user, slot, form.last_day.data)
    except DomainError as exc:
        return _slot_page(circle, _filled(slot), slot, status=refused(exc), stop_form=form)
    db.session.commit()
    flash(_("“%(title)s” stops after %(date)s.", title=slot.title,
            date=format_date(form.last_day.data, format="d MMMM yyyy")), "success")
    return redirect(url_for("circles.rota", circle_id=circle.id))


def _filled(slot: RotaSlot) -> SlotForm:
    form = SlotForm(formdata=None)
    form.fill(slot)
    return form


# --- growing the circle: the matcher's suggestions for an open slot -----------------------------------------

@bp.route("/<int:circle_id>/rota/slots/<int:slot_id>/invite/<int:neighbour_id>", methods=["POST"])
@login_required
def slot_invite(circle_id: int, slot_id: int, neighbour_id: int):
    """Invite a neighbour the matcher suggests for this slot: they get a mail with a link to join for it."""
    circle = _leading(circle_id)
    slot = _slot_of(circle, slot_id)
    person = db.session.get(Neighbour, neighbour_id)
    if person is None or person.deleted_at is not None:
        abort(404)
    if not valid_submission(EmptyForm()):
        abort(400)
    try:
        invitations.invite_to_slot(db.session, current_user, slot, person)
    except DomainError as exc:
        return _rota_page(circle, refused(exc))
    db.session.commit()
    flash(_("We sent %(name)s an invitation for “%(title)s”. %(centre)s (or their broker) lets them in when "
            "they join.", name=person.display_name, title=slot.title, centre=circle.centre.display_name), "success")
    return redirect(url_for("circles.rota", circle_id=circle.id, _anchor="suggestions-heading"))


@bp.context_processor
def _slot_of_invitation():
    """The join page (``circles.join``) says which slot a slot invitation is for."""
    def invited_slot():
        token = (request.view_args or {}).get("token")
        return invitations.invited_slot(db.session, token) if request.endpoint == "circles.join" and token else None
    return {"invited_slot": invited_slot, "repeat_label": service.repeat_label}
