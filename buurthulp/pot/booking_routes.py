"""Bookings in the pot, for those who keep the books (``access.may_keep_books``): money in and out, payouts,
direct payments, each confirmed before it is booked once; and corrections."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.money import format_euros
from buurthulp.pot import allowance, books, bp, ledger, services, shares
from buurthulp.pot.forms import DirectForm, IncomeForm, PayoutForm, ReverseForm, SpendingForm, new_key
from buurthulp.pot.models import ACCOUNT_LABELS, TRANSACTION_LABELS, PotTransaction, TransactionKind
from buurthulp.timeutil import local_today
from buurthulp.web import refused


def _already_booked(key: str) -> bool:
    return db.session.scalar(sa.select(PotTransaction.id).where(PotTransaction.idempotency_key == key)) is not None


# Fields the confirmation page does not carry as they were posted: it writes its own flags and token.
NOT_CARRIED = {"csrf_token", "confirmed", "again", "change", "over_limit"}


def _carried(form) -> list[tuple[str, str]]:
    """The fields of a posted booking form as typed, for the confirmation page to post again unchanged."""
    return [(f.name, f.raw_data[0] if f.raw_data else "") for f in form if f.name not in NOT_CARRIED]


def _booking(slug: str, form, template: str, *, book, success: str, kind, check=None, **context):
    """Show a booking form; a valid post shows the booking as it will be booked, and only its confirmed
    post books it, once (a repeated post books nothing more). A booking like one booked a moment ago
    (going back in the browser and sending it again) is asked about, and booked only when asked again.

    ``book(initiative, form)`` books it; ``kind(form)`` is the kind of booking; ``check(initiative, form)`` is
    True while a question of the form itself (the direct payment's tax-free limit) still waits for an answer;
    the rest is the template's, each called with the initiative when it is a function."""
    initiative = access.require_books(slug, write=True)
    context = {key: (value(initiative) if callable(value) else value) for key, value in context.items()}
    if hasattr(form, "member"):
        form.member.choices = context.pop("choices")
    form.warning = form.capped = None
    status = 200
    if request.method == "GET":
        form.key.data = new_key()
        form.value_date.data = local_today()
    elif valid_submission(form):
        if _already_booked(form.key.data):
            flash(_("This was already booked."), "info")
            return redirect(url_for("pot.books_page", slug=initiative.slug))
        if form.change.data:
            return render_template(template, initiative=initiative, form=form, **context)
        waits = bool(check and check(initiative, form))
        member = db.session.get(Neighbour, form.member.data) if hasattr(form, "member") else None
        since = utcnow() - timedelta(minutes=current_app.config["POT_REPEAT_WINDOW_MINUTES"])
        # asked again on every post: a similar booking made after the page asked is asked about too
        similar = books.similar_booking(db.session, initiative.id, kind=kind(form),
                                        neighbour_id=member.id if member else None, cents=form.amount.cents,
                                        value_date=form.value_date.data, since=since)
        if form.confirmed.data != "1" or waits or (similar is not None and form.again.data != str(similar.id)):
            return render_template("pot/book_confirm.html", initiative=initiative, form=form, kind=kind(form),
                                   member=member, similar=similar, carried=_carried(form),
                                   action=url_for(request.endpoint, slug=initiative.slug),
                                   TRANSACTION_LABELS=TRANSACTION_LABELS)
        try:
            outcome = book(initiative, form)
            db.session.commit()
        except DomainError as exc:
            status = refused(exc)
        except IntegrityError:
            db.session.rollback()
            if _already_booked(form.key.data):  # the same form sent twice at once: the other one booked it
                flash(_("This was already booked."), "info")
                return redirect(url_for("pot.books_page", slug=initiative.slug))
            flash(_("Something else was booked at the same moment. Please try again."), "error")
            status = 409
        else:
            flash(outcome if isinstance(outcome, str) else success, "success")
            return redirect(url_for("pot.books_page", slug=initiative.slug))
    else:
        status = 400
    return render_template(template, initiative=initiative, form=form, **context), status


@bp.route("/<slug>/book/income", methods=["GET", "POST"])
@login_required
def book_income(slug: str):
    def book(initiative, form):
        return services.book_income(db.session, current_user, initiative, TransactionKind(form.source.data),
                                    form.amount.cents, description=form.description.data or "",
                                    value_date=form.value_date.data, key=form.key.data)

    return _booking(slug, IncomeForm(), "pot/book_income.html", book=book,
                    success=_("The money is booked into the pot."),
                    kind=lambda form: TransactionKind(form.source.data))


@bp.route("/<slug>/book/spending", methods=["GET", "POST"])
@login_required
def book_spending(slug: str):
    def book(initiative, form):
        return services.book_spending(db.session, current_user, initiative, form.amount.cents,
                                      description=form.description.data or "", value_date=form.value_date.data,
                                      key=form.key.data)

    return _booking(slug, SpendingForm(), "pot/book_spending.html", book=book, success=_("The spending is booked."),
                    kind=lambda form: TransactionKind.SPENDING,
                    pot=lambda initiative: books.pot_balance(db.session, initiative.id))


@bp.route("/<slug>/book/payout", methods=["GET", "POST"])
@login_required
def book_payout(slug: str):
    def book(initiative, form):
        member = db.session.get(Neighbour, form.member.data)
        return services.book_payout(db.session, current_user, initiative, member, form.amount.cents,
                                    description=form.description.data or "", value_date=form.value_date.data,
                                    key=form.key.data)

    def choices(initiative):
        return [(i, _("%(name)s (to be paid: %(amount)s)", name=name, amount=format_euros(cents)))
                for i, name, cents in books.member_choices(db.session, initiative, owed_only=True)]

    return _booking(slug, PayoutForm(), "pot/book_payout.html", book=book, success=_("The payout is booked."),
                    kind=lambda form: TransactionKind.PAYOUT, choices=choices)


def _minutes(form: DirectForm) -> int | None:
    return int(round(float(form.hours.data) * 60)) if form.hours.data else None


@bp.route("/<slug>/book/direct", methods=["GET", "POST"])
@login_required
def book_direct(slug: str):
    """Record a payment the person helped made straight to the helper (direct mode), with the limit check."""
    def check(initiative, form):
        """Over a tax-free limit, the treasurer ticks "book it anyway", unless the helper keeps under it."""
        verdict = allowance.check(db.session, form.member.data, form.amount.cents, _minutes(form),
                                  form.value_date.data)
        if verdict.capped:
            form.capped = verdict
        if verdict.crosses and not allowance.preference_of(db.session, form.member.data).keep_under_limit:
            form.warning = verdict
            return not form.over_limit.data
        return False

    def book(initiative, form):
        helper = db.session.get(Neighbour, form.member.data)
        transaction = shares.record_direct(
            db.session, current_user, initiative, helper, form.amount.cents, minutes=_minutes(form),
            value_date=form.value_date.data, description=form.description.data or "", key=form.key.data)
        if transaction is None:
            raise DomainError(_("%(name)s asked to stay under the tax-free limit and has no room left this "
                                "month or year. Nothing is recorded.", name=helper.display_name))
        if form.capped is not None:
            return _("%(name)s asked to stay under the tax-free limit: %(amount)s is recorded, not more. "
                     "Please pay them no more than that.", name=helper.display_name,
                     amount=format_euros(form.capped.allowed_cents))
        return _("The payment is recorded.")

    def choices(initiative):
        return [(i, name) for i, name, _cents in books.member_choices(db.session, initiative)]

    return _booking(slug, DirectForm(), "pot/book_direct.html", book=book, success=_("The payment is recorded."),
                    kind=lambda form: TransactionKind.DIRECT, check=check, choices=choices)


@bp.route("/<slug>/transactions/<int:transaction_id>/reverse", methods=["GET", "POST"])
@login_required
def reverse(slug: str, transaction_id: int):
    """Correct a booking with a reversing one; the original stays in the books."""
    initiative = access.require_books(slug, write=True)
    original = db.session.scalar(
        sa.select(PotTransaction).where(PotTransaction.id == transaction_id,
                                        PotTransaction.initiative_id == initiative.id)
        .options(so.selectinload(PotTransaction.entries))) or abort(404)
    form = ReverseForm()
    status = 200
    if request.method == "GET":
        form.key.data = new_key()
    elif valid_submission(form):
        try:
            ledger.reverse(db.session, current_user, original, reason=form.reason.data, key=form.key.data)
            db.session.commit()
        except DomainError as exc:
            status = refused(exc)
        except IntegrityError:
            db.session.rollback()
            flash(_("This booking has already been corrected."), "info")
        else:
            flash(_("The correction is booked."), "success")
            return redirect(url_for("pot.month_page", slug=initiative.slug,
                                    month=local_today().strftime("%Y-%m")))
    else:
        status = 400
    return render_template("pot/reverse.html", initiative=initiative, original=original, form=form,
                           pair=ledger.paired(db.session, original), ACCOUNT_LABELS=ACCOUNT_LABELS), status
