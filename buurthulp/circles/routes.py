"""The pages of support circles: start one, invite and join, members, the board. The rota
(``rota_routes``) and the calendar feed (``calendar_routes``) are on the same blueprint, brought in here."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import board_messages, bp, invitations, services
from buurthulp.circles.forms import AnswerForm, InviteMailForm, InvitePickForm, MessageForm, StartForm
from buurthulp.circles.models import Circle, CircleMember, CircleMessage, CircleStatus, MemberRole, MemberStatus
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, id_or_none, valid_submission
from buurthulp.input import page_arg
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.paging import counted_page
from buurthulp.posts import services as post_services
from buurthulp.web import refused

BOARD_PAGE_SIZE = 20


def _answer() -> bool:
    """The yes or no of a two-button form; anything else (or no CSRF token) is a 400."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    return form.answer.data == "yes"


def _button() -> None:
    if not valid_submission(EmptyForm()):
        abort(400)


# --- My circles ---------------------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    """Circles I am in or look after, invitations and proposals waiting for me, and a way to start one."""
    mine = services.my_circles(db.session, current_user)
    return render_template("circles/index.html", my=mine, answer_form=AnswerForm())


def _start_choices() -> list[tuple[str, str]]:
    choices = []
    if current_user.proxy_initiative_id is None and not services.open_circle_of(db.session, current_user.id,
                                                                                CircleStatus.ACTIVE):
        choices.append(("me", _("Around me")))
    for initiative, proxy in services.proxies_to_start_for(db.session, current_user):
        choices.append((f"proxy-{initiative.id}-{proxy.id}",
                        _("Around %(name)s, for whom %(initiative)s acts", name=proxy.display_name,
                          initiative=initiative.name)))
    people = services.people_to_propose_for(db.session, current_user)
    asked = id_or_none(request.args.get("neighbour", ""))
    if asked is not None and asked not in {p.id for p in people}:
        person = db.session.get(Neighbour, asked)
        if (person is not None and person.id != current_user.id and person.proxy_initiative_id is None
                and access.may_see_profile(db.session, current_user, person)):
            people.insert(0, person)
    for person in people:
        choices.append((f"person-{person.id}",
                        _("Around %(name)s, who asked me to (%(name)s says yes first)", name=person.display_name)))
    return choices


def _start(choice: str, about: str):
    kind, _sep, rest = choice.partition("-")
    if kind == "me":
        return services.start_own_circle(db.session, current_user, about)
    if kind == "proxy":
        initiative_id, _sep, proxy_id = rest.partition("-")
        initiative = db.session.get(Initiative, int(initiative_id))
        proxy = db.session.get(Neighbour, int(proxy_id))
        if initiative is None or proxy is None:
            abort(400)
        return services.start_for_proxy(db.session, current_user, initiative, proxy, about)
    person = db.session.get(Neighbour, int(rest))
    if person is None:
        abort(400)
    return services.propose_circle(db.session, current_user, person, about)


@bp.route("/start", methods=["GET", "POST"])
@login_required
def start():
    """Start a circle: around yourself, as a broker around a neighbour you act for, or around someone who asked."""
    choices = _start_choices()
    form = StartForm(choices=choices)
    if request.method == "GET" and len(choices) == 1:
        form.centre.data = choices[0][0]
    status = 200
    if request.method == "POST":
        status = 400
        if valid_submission(form):
            try:
                circle = _start(form.centre.data, form.about.data or "")
                db.session.commit()
            except DomainError as exc:
                status = refused(exc)
            else:
                if circle.status == CircleStatus.PROPOSED:
                    flash(_("We asked %(name)s. The circle starts when they say yes.",
                            name=circle.centre.display_name), "success")
                    return redirect(url_for("circles.index"))
                flash(_("The circle has started. Now invite people to it."), "success")
                return redirect(url_for("circles.circle", circle_id=circle.id))
    return render_template("circles/start.html", form=form), status


def _yes_or_no(circle_id: int, rule, answer, said_yes: str, said_no: str):
    """A yes/no button on "My circles": answer it, and go to the circle (yes) or back to the list (no)."""
    circle = access.require_circle(circle_id, rule)
    yes = _answer()
    answer(db.session, current_user, circle, yes)
    db.session.commit()
    flash(said_yes if yes else said_no, "success")
    return redirect(url_for("circles.circle", circle_id=circle_id) if yes else url_for("circles.index"))


@bp.route("/<int:circle_id>/proposal", methods=["POST"])
@login_required
def proposal(circle_id: int):
    """The person at the centre says yes or no to a circle someone proposed around them."""
    return _yes_or_no(circle_id, access.may_answer_proposal, services.answer_proposal,
                      _("Your circle has started."), _("Fine. There is no circle around you."))


@bp.route("/<int:circle_id>/invitation", methods=["POST"])
@login_required
def invitation(circle_id: int):
    """An invited neighbour joins, or says no thanks."""
    return _yes_or_no(circle_id, access.may_answer_invitation, invitations.answer_invitation,
                      _("Welcome to the circle."), _("Fine. You are not in the circle."))


# --- the circle ---------------------------------------------------------------------------------

def _circle_page(circle, status: int = 200, mail_form=None, pick_form=None):
    leader = access.may_lead_circle(db.session, current_user, circle)
    members = services.members_of(db.session, circle)
    invites, contacts = [], []
    if leader and circle.status == CircleStatus.ACTIVE:
        invites = [(i, invitations.invite_token(i)) for i in invitations.open_invites(db.session, circle)]
        contacts = invitations.warm_contacts(db.session, current_user, circle)
    pick_form = pick_form or InvitePickForm(choices=[(n.id, n.display_name) for n in contacts])
    mine = next((m for m in members if m.neighbour_id == current_user.id), None)
    now = utcnow()
    asks = post_services.circle_asks(db.session, circle.id, current_user, now)
    return render_template(
        "circles/circle.html", circle=circle, members=members, leader=leader, me=mine, invites=invites,
        asks=asks, now=now, slot_requests=invitations.requested_slots(db.session, circle) if leader else {},
        contacts=contacts, mail_form=mail_form or InviteMailForm(), pick_form=pick_form, button=EmptyForm(),
        has_rota="circles.rota" in current_app.view_functions, MemberRole=MemberRole, MemberStatus=MemberStatus,
        CircleStatus=CircleStatus, max_age_days=current_app.config["CIRCLE_INVITE_MAX_AGE_DAYS"]), status


@bp.route("/<int:circle_id>")
@login_required
def circle(circle_id: int):
    """The circle: who is at the centre, who is in it; for whoever leads it, inviting and the members' buttons."""
    return _circle_page(access.require_circle(circle_id))


def _lead(circle_id: int):
    """The circle, for whoever leads it; someone who only sees it gets a 403, anyone else a 404."""
    circle = access.require_circle(circle_id)
    if not access.may_lead_circle(db.session, current_user, circle):
        abort(403)
    return circle


@bp.route("/<int:circle_id>/invite/link", methods=["POST"])
@login_required
def invite_link(circle_id: int):
    """Make a new invitation link to copy."""
    circle = _lead(circle_id)
    _button()
    invitations.make_invite(db.session, current_user, circle)
    db.session.commit()
    flash(_("A new invitation link is ready. Copy it and send it to one person."), "success")
    return redirect(url_for("circles.circle", circle_id=circle_id) + "#invite")


@bp.route("/<int:circle_id>/invite/mail", methods=["POST"])
@login_required
def invite_mail(circle_id: int):
    """Send an invitation link to an e-mail address."""
    circle = _lead(circle_id)
    form = InviteMailForm()
    if not valid_submission(form):
        return _circle_page(circle, 400, mail_form=form)
    try:
        invitations.mail_invite(db.session, current_user, circle, form.email.data)
        db.session.commit()
    except DomainError as exc:
        return _circle_page(circle, refused(exc), mail_form=form)
    flash(_("The invitation is sent to %(address)s.", address=form.email.data), "success")
    return redirect(url_for("circles.circle", circle_id=circle_id) + "#invite")


@bp.route("/<int:circle_id>/invite/neighbours", methods=["POST"])
@login_required
def invite_neighbours(circle_id: int):
    """Invite neighbours the leader or the centre knows from help."""
    circle = _lead(circle_id)
    contacts = invitations.warm_contacts(db.session, current_user, circle)
    form = InvitePickForm(choices=[(n.id, n.display_name) for n in contacts])
    if not valid_submission(form):
        return _circle_page(circle, 400, pick_form=form)
    try:
        invited = invitations.invite_neighbours(db.session, current_user, circle, form.neighbours.data)
        db.session.commit()
    except DomainError as exc:
        return _circle_page(circle, refused(exc), pick_form=form)
    flash(_("Invited: %(names)s.", names=", ".join(m.neighbour.display_name for m in invited)), "success")
    return redirect(url_for("circles.circle", circle_id=circle_id) + "#members")


MEMBER_ACTIONS = ("approve", "remove", "coordinator", "member")


@bp.route("/<int:circle_id>/members/<int:member_id>", methods=["POST"])
@login_required
def member(circle_id: int, member_id: int):
    """Let someone in, take them out, or make them coordinator (or not any more)."""
    circle = _lead(circle_id)
    row = db.session.scalar(sa.select(CircleMember).where(CircleMember.id == member_id,
                                                          CircleMember.circle_id == circle.id)) or abort(404)
    _button()
    action = request.form.get("action", "")
    if action not in MEMBER_ACTIONS:
        abort(400)
    name = row.neighbour.display_name
    try:
        if action == "approve":
            services.approve_member(db.session, current_user, circle, row)
            message = _("%(name)s is in the circle now.", name=name)
        elif action == "remove":
            services.remove_member(db.session, current_user, circle, row)
            message = _("%(name)s is no longer in the circle.", name=name)
        else:
            services.set_coordinator(db.session, current_user, circle, row, action == "coordinator")
            message = (_("%(name)s is a coordinator now.", name=name) if action == "coordinator"
                       else _("%(name)s is no longer a coordinator.", name=name))
        db.session.commit()
    except DomainError as exc:
        return _circle_page(circle, refused(exc))
    flash(message, "success")
    return redirect(url_for("circles.circle", circle_id=circle_id) + "#members")


@bp.route("/<int:circle_id>/leave", methods=["POST"])
@login_required
def leave(circle_id: int):
    """Leave the circle."""
    circle = access.require_circle(circle_id)
    _button()
    try:
        services.leave_circle(db.session, current_user, circle)
        db.session.commit()
    except DomainError as exc:
        return _circle_page(circle, refused(exc))
    flash(_("You left the circle around %(name)s.", name=circle.centre.display_name), "success")
    return redirect(url_for("circles.index"))


@bp.route("/<int:circle_id>/end", methods=["POST"])
@login_required
def end(circle_id: int):
    """End the circle; its members are told."""
    circle = _lead(circle_id)
    _button()
    services.end_circle(db.session, current_user, circle)
    db.session.commit()
    flash(_("The circle has ended. We told its members."), "success")
    return redirect(url_for("circles.index"))


# --- joining with a link ------------------------------------------------------------------------

@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    """An invitation link: who is at the centre and who is in the circle, then Join or No thanks."""
    try:
        invite = invitations.load_invite(db.session, token)
    except DomainError as exc:
        return render_template("circles/join.html", problem=exc.message, circle=None), 404
    circle = db.session.get(Circle, invite.circle_id)
    mine = access.membership(db.session, current_user, circle)
    if mine is not None and mine.status == MemberStatus.ACTIVE:
        flash(_("You are in this circle already."), "success")
        return redirect(url_for("circles.circle", circle_id=circle.id))
    if request.method == "POST":
        if not _answer():
            flash(_("Fine. You are not in the circle."), "success")
            return redirect(url_for("circles.index"))
        try:
            member = invitations.join_by_link(db.session, current_user, token)
            db.session.commit()
        except DomainError as exc:
            return render_template("circles/join.html", problem=exc.message, circle=None), refused(exc)
        if member.status == MemberStatus.ACTIVE:
            flash(_("Welcome to the circle."), "success")
            return redirect(url_for("circles.circle", circle_id=circle.id))
        flash(_("Thank you. %(name)s (or their broker) lets you in soon; you see it on this page.",
                name=circle.centre.display_name), "success")
        return redirect(url_for("circles.index"))
    members = [m for m in services.members_of(db.session, circle) if m.status == MemberStatus.ACTIVE]
    return render_template("circles/join.html", problem=None, circle=circle, members=members,
                           answer_form=AnswerForm(), MemberRole=MemberRole)


# --- the board ----------------------------------------------------------------------------------

def _board_page(circle, form=None, status: int = 200):
    leader = access.may_lead_circle(db.session, current_user, circle)
    page = counted_page(db.session, board_messages.board_query(db.session, current_user, circle, leader=leader),
                        page=page_arg(), per_page=BOARD_PAGE_SIZE)
    return render_template("circles/board.html", circle=circle, page=page, form=form or MessageForm(),
                           leader=leader, button=EmptyForm(),
                           may_write=access.may_write_on_board(db.session, current_user, circle)), status


@bp.route("/<int:circle_id>/board", methods=["GET", "POST"])
@login_required
def board(circle_id: int):
    """Messages to the whole circle, newest first."""
    circle = access.require_circle(circle_id)
    if request.method == "GET":
        return _board_page(circle)
    form = MessageForm()
    if not valid_submission(form):
        return _board_page(circle, form, 400)
    try:
        board_messages.post_message(db.session, current_user, circle, form.body.data)
        db.session.commit()
    except DomainError as exc:
        return _board_page(circle, form, refused(exc))
    flash(_("Your message is on the board."), "success")
    return redirect(url_for("circles.board", circle_id=circle_id))


def _message(circle, message_id: int) -> CircleMessage:
    return db.session.scalar(sa.select(CircleMessage).where(CircleMessage.id == message_id,
                                                            CircleMessage.circle_id == circle.id)) or abort(404)


@bp.route("/<int:circle_id>/board/<int:message_id>/remove", methods=["POST"])
@login_required
def remove_message(circle_id: int, message_id: int):
    """The author removes their own message."""
    circle = access.require_circle(circle_id)
    message = _message(circle, message_id)
    if not access.may_remove_message(db.session, current_user, circle, message):
        abort(403)
    _button()
    board_messages.remove_message(db.session, current_user, circle, message)
    db.session.commit()
    flash(_("Your message is removed."), "success")
    return redirect(url_for("circles.board", circle_id=circle_id))


@bp.route("/<int:circle_id>/board/<int:message_id>/hide", methods=["POST"])
@login_required
def hide_message(circle_id: int, message_id: int):
    """Whoever leads the circle hides a message, or shows it again."""
    circle = access.require_circle(circle_id)
    message = _message(circle, message_id)
    if not access.may_hide_message(db.session, current_user, circle):
        abort(403)
    _button()
    hide = request.form.get("action", "hide") != "show"
    board_messages.hide_message(db.session, current_user, circle, message, hide)
    db.session.commit()
    flash(_("The message is hidden.") if hide else _("The message is shown again."), "success")
    return redirect(url_for("circles.board", circle_id=circle_id))



# the rota's pages and the personal calendar feed live on this blueprint too
from buurthulp.circles import (  # noqa: E402, F401
    bp,  # noqa: F401
    calendar_routes,
    rota_routes,
)
