"""Pages for joining, logging in and out, passwords, the profile, export and deletion."""

from __future__ import annotations

import hashlib
import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from buurthulp import privacy
from buurthulp.accounts import bp, emails, models, photos, services
from buurthulp.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    PhotoForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from buurthulp.accounts.models import DigestPreference, Neighbour
from buurthulp.accounts.tokens import InvalidToken
from buurthulp.categories import Category, mask_of
from buurthulp.errors import DomainError
from buurthulp.extensions import db, limiter
from buurthulp.forms import EmptyForm
from buurthulp.neighbourhoods.services import covering_neighbourhoods, visible_categories
from buurthulp.web import redirect_back, safe_next


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _account_key() -> str:
    """The account a form is about: the e-mail address filled in, hashed so the limiter's store holds none."""
    email = models.normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _register_account_limit() -> str:
    return current_app.config["REGISTER_ACCOUNT_RATE_LIMIT"]


def _register_address_limit() -> str:
    return current_app.config["REGISTER_ADDRESS_RATE_LIMIT"]


def _register_limited(which: str):
    """The join form again, as it was filled in (all but the password), saying why it must wait: a 429."""
    form = RegisterForm()
    form.password.data = ""
    if which == "account":
        form.email.errors = [_("This e-mail address was used to join several times in the last hour. "
                               "Look in your mailbox (also in the spam folder), or try again in an hour.")]
        limited = None
    else:
        limited = _("Many neighbours joined from this place in the last hour. Please wait a quarter of an hour "
                    "and try again; what you filled in is kept.")
    return make_response(render_template("accounts/register.html", form=form, limited=limited), 429)


def _own_account_key() -> str:
    return f"neighbour:{current_user.id}"


def _refused(response) -> bool:
    """Only refused attempts count, so a neighbour who logs in fine is never held up by others' mistakes."""
    return response.status_code == 400


def _answered(response) -> bool:
    return response.status_code == 200


# Limits per account and per client address, counted apart: a library or care home behind one address
# is not locked out by a few made-up accounts tried there, and one account is not tried from many addresses.
# Joining counts only when it went through; the address limit is generous (a sign-up afternoon in a community
# centre is twenty people on one wifi), the limit per e-mail address strict (each attempt mails its owner).
@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_answered,
               on_breach=lambda _limit: _register_limited("account"))
@limiter.limit(_register_address_limit, methods=["POST"], deduct_when=_answered,
               on_breach=lambda _limit: _register_limited("address"))
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        # The neighbourhood follows the postcode (services.register); where two cover it, the profile lets one choose.
        try:
            services.register(
                db.session, display_name=form.display_name.data, email=form.email.data,
                password=form.password.data, postcode=form.postcode.data,
                neighbourhood=None, locale=session.get("locale", current_app.config["BABEL_DEFAULT_LOCALE"]),
            )
        except DomainError as exc:
            form.password.errors.append(str(exc.message))
        else:
            db.session.commit()
            # The same page whether the address was new or already had an account (its owner got a mail).
            return render_template("accounts/register_sent.html", email=models.normalise_email(form.email.data))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/confirm/<token>")
def confirm(token: str):
    try:
        neighbour = services.confirm_email(db.session, token)
    except InvalidToken as exc:
        return render_template("accounts/token_problem.html", message=exc.message), 400
    db.session.commit()
    flash(_("Thank you, your e-mail address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == neighbour.id:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.login", email=neighbour.email, next=url_for("accounts.profile", welcome=1)))


@bp.route("/confirm", methods=["POST"])
@login_required
@limiter.limit("5 per hour", key_func=_own_account_key)
def resend_confirmation():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.email_confirmed:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        emails.confirmation(db.session, current_user)
        db.session.commit()
        flash(_("We sent you a new e-mail with a confirmation link."), "success")
    return redirect_back()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_refused)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_refused)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        neighbour = services.authenticate(db.session, form.email.data, form.password.data)
        if neighbour is None:
            form.password.errors.append(_("This e-mail address and password do not match. Try again, or reset your password."))
        else:
            db.session.commit()
            login_user(neighbour, remember=form.remember.data)
            session["locale"] = neighbour.locale
            flash(_("Welcome back, %(name)s.", name=neighbour.display_name), "success")
            return redirect_back()
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, next=safe_next(request.values.get("next"))), status


@bp.route("/logout", methods=["POST"])
def logout():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        # The cookies are signed, not stored: a copy would still work unless the account's token changes.
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are logged out. See you soon!"), "info")
    return redirect(url_for("core.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("3 per 15 minutes", key_func=_account_key, methods=["POST"], deduct_when=_answered)
@limiter.limit("20 per 15 minutes", methods=["POST"], deduct_when=_answered)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, form.email.data)
        db.session.commit()
        return render_template("accounts/forgot_sent.html", email=form.email.data)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_refused)
def reset_password(token: str):
    try:
        person = services.check_reset_token(db.session, token)
    except InvalidToken as exc:
        return render_template("accounts/token_problem.html", message=exc.message, reset=True), 400
    form = ResetPasswordForm(person=person)
    if form.validate_on_submit():
        try:
            neighbour = services.reset_password(db.session, token, form.password.data)
        except DomainError as exc:
            form.password.errors.append(str(exc.message))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is changed. Log in with your new password."), "success")
            return redirect(url_for("accounts.login", email=neighbour.email))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form), status


def _availability_values(neighbour: Neighbour) -> list[str]:
    return [f"{d.value}-{p.value}" for d, p in neighbour.available_slots]


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    neighbour: Neighbour = current_user
    form = ProfileForm()
    offered = visible_categories(db.session, neighbour.neighbourhood_id)
    # what someone ticked before an initiative hid it stays on their profile
    kept = {c for c in neighbour.likes_to_do + neighbour.could_use_help_with}
    covering = covering_neighbourhoods(db.session, neighbour.postcode)
    typed = []
    if request.method == "POST":
        try:
            typed = covering_neighbourhoods(db.session, models.normalise_postcode(form.postcode.data))
        except models.InvalidPostcode:
            pass  # the postcode field says so
    form.fill_choices(covering if len(covering) > 1 else [], [c for c in Category if c in offered or c in kept],
                      allowed=covering + typed + ([neighbour.neighbourhood] if neighbour.neighbourhood else []))
    if request.method == "GET":
        form.display_name.data = neighbour.display_name
        form.about.data = neighbour.about
        form.postcode.data = neighbour.postcode
        form.neighbourhood.data = neighbour.neighbourhood_id
        form.likes.data = [c.value for c in neighbour.likes_to_do]
        form.needs.data = [c.value for c in neighbour.could_use_help_with]
        form.availability.data = _availability_values(neighbour)
        form.locale.data = neighbour.locale
        form.digest.data = neighbour.digest.value
        form.phone.data = neighbour.phone
        form.share_email.data = neighbour.share_email
        form.share_phone.data = neighbour.share_phone
        form.notify_by_mail.data = neighbour.notify_by_mail
    elif form.validate_on_submit():
        slots = [tuple(int(x) for x in v.split("-")) for v in form.availability.data]
        services.update_profile(
            db.session, neighbour,
            display_name=form.display_name.data, about=form.about.data, postcode=form.postcode.data,
            neighbourhood=next((n for n in covering + typed if n.id == form.neighbourhood.data), None),
            likes=form.likes.data, needs=form.needs.data, availability=mask_of(slots),
            locale=form.locale.data, digest=DigestPreference(form.digest.data), phone=form.phone.data,
            share_email=form.share_email.data, share_phone=form.share_phone.data,
            notify_by_mail=form.notify_by_mail.data,
        )
        db.session.commit()
        session["locale"] = neighbour.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "accounts/profile.html", form=form, neighbour=neighbour, resend_form=EmptyForm(),
        welcome=request.args.get("welcome") == "1", covered=bool(covering),
        photo=photos.visible_photos(db.session, neighbour, [neighbour]).get(neighbour.id), photo_form=PhotoForm(),
        remove_photo_form=EmptyForm(),
    ), status


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_account_limit, key_func=_own_account_key, methods=["POST"], deduct_when=_refused)
def change_password():
    form = ChangePasswordForm(person=current_user._get_current_object())
    if form.validate_on_submit():  # the current password and the new one's rule are checked together
        try:
            services.change_password(current_user, form.password.data)
        except DomainError as exc:
            form.password.errors.append(str(exc.message))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # new session token: stay logged in here
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/profile/export")
@login_required
def export():
    data = privacy.export_data(db.session, current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="buurthulp-{current_user.id}.json"',
    })


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm(person=current_user._get_current_object())
    if form.validate_on_submit():  # the password and the tick are checked together
        neighbour = current_user._get_current_object()
        neighbour_locale = neighbour.locale
        logout_user()
        privacy.delete_account(db.session, neighbour)
        db.session.commit()
        session.clear()
        session["locale"] = neighbour_locale
        flash(_("Your account and personal data are deleted. Thank you for caring for your neighbours."), "success")
        return redirect(url_for("core.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/delete.html", form=form), status


# The profile photo's pages register on the same blueprint when create_app imports this module.
from buurthulp.accounts import photo_routes  # noqa: E402, F401
