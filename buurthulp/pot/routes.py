"""Pages of the pot: my compensation and allowance, the treasurer's books, bookings, corrections, settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.input import page_arg
from buurthulp.money import for_input
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import allowance, books, bp, ledger, services, shares
from buurthulp.pot.forms import (
    AllowanceForm,
    DirectForm,
    IncomeForm,
    PayoutForm,
    ReverseForm,
    SettingsForm,
    SpendingForm,
    new_key,
)
from buurthulp.pot.models import (
    ACCOUNT_LABELS,
    MODE_LABELS,
    RULE_LABELS,
    TRANSACTION_LABELS,
    CompensationMode,
    DistributionRule,
    PotTransaction,
    TransactionKind,
)
from buurthulp.sheets import cents_comma, csv_download, month_label, nice_top, parse_month, spreadsheet_safe
from buurthulp.timeutil import add_months, local_today, month_start
from buurthulp.web import refused


@bp.context_processor
def pot_context() -> dict:
    return {"pot_month_now": local_today().strftime("%Y-%m")}


@bp.app_template_filter("money")
def money(cents: int | None) -> str:
    """Cents as euros in the page's language: "€ 12,50"."""
    return format_currency(Decimal(cents or 0) / 100, "EUR")


# --- who may see what: asked of buurthulp.access ------------------------------------------------

def _keeps(initiative) -> bool:
    """Whether the reader of these books keeps them too (``access.may_keep_books``): the booking links."""
    return access.may_keep_books(db.session, current_user, initiative)


# --- my pot -------------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """My compensation in every initiative, my allowance room for the year, and my wish to stay under it."""
    preference = allowance.preference_of(db.session, current_user.id)
    form = AllowanceForm(obj=preference)
    status = 200
    if request.method == "POST":
        if valid_submission(form):
            services.set_allowance_preference(db.session, current_user, keep_under_limit=form.keep_under_limit.data,
                                              under_21=form.under_21.data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("pot.index"))
        status = 400
    today = local_today()
    return render_template("pot/index.html", pots=books.my_pots(db.session, current_user),
                           reads_books=access.books_read_by(db.session, current_user),
                           room=books.room(db.session, current_user.id, today), form=form,
                           preference=preference, today=today, CompensationMode=CompensationMode), status


def _year_arg() -> int:
    today = local_today()
    try:
        year = int(request.args.get("year", today.year))
    except ValueError:
        abort(400)
    if not 2000 <= year <= today.year + 1:
        abort(400)
    return year


@bp.route("/<slug>/statement")
@login_required
def my_statement(slug: str):
    """My own statement in one initiative for a year (``access.may_read_own_statement``)."""
    initiative = access.require_own_statement(slug)
    return _statement_page(initiative, current_user, own=True)


@bp.route("/<slug>/members/<int:neighbour_id>")
@login_required
def member_statement(slug: str, neighbour_id: int):
    """A member's statement, for the treasurer and coordinators (``access.may_read_member_statement``)."""
    initiative = access.require_books(slug)
    person = access.require_member_statement(initiative, neighbour_id)
    return _statement_page(initiative, person, own=False)


def _statement_page(initiative: Initiative, person: Neighbour, own: bool):
    year = _year_arg()
    statement = books.statement(db.session, initiative, person.id, year)
    today = local_today()
    return render_template("pot/statement.html", initiative=initiative, person=person, own=own,
                           statement=statement, year=year, this_year=today.year,
                           room=books.room(db.session, person.id, date(year, 12, 31) if year < today.year
                                           else today))


# --- the books ----------------------------------------------------------------------------------

def balance_chart(months: list[books.MonthFigures]) -> dict:
    """Bars of the money held at each month's end, for an inline SVG (negative never occurs)."""
    width, height, left, right, top, bottom = 720, 300, 70, 12, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(nice_top(max([m.closing for m in months] + [0]) // 100 + 1), 1)
    slot = plot_w / max(len(months), 1)
    bars = []
    for i, m in enumerate(months):
        h = plot_h * max(m.closing, 0) / 100 / top_value
        bars.append({"x": round(left + i * slot + slot * 0.15, 1), "y": round(top + plot_h - h, 1),
                     "w": round(slot * 0.7, 1), "h": round(h, 1),
                     "label": format_date(m.month, format="MMM"), "cx": round(left + (i + 0.5) * slot, 1),
                     "title": _("%(month)s: %(amount)s", month=month_label(m.month), amount=money(m.closing))})
    ticks = [{"value": money(top_value * k // 4 * 100), "y": round(top + plot_h - plot_h * k / 4, 1)}
             for k in range(5)]
    return {"width": width, "height": height, "left": left, "right": width - right, "bottom": top + plot_h,
            "bars": bars, "ticks": ticks}


@bp.route("/<slug>/books")
@login_required
def books_page(slug: str):
    """The treasurer's overview: money held, the last twelve months, every member's account."""
    initiative = access.require_books(slug)
    this_month = month_start(local_today())
    view = books.overview(db.session, initiative, this_month)
    return render_template("pot/books.html", initiative=initiative, keeps_books=_keeps(initiative), view=view,
                           chart=balance_chart(view.months), settings=services.settings_of(db.session, initiative),
                           month_label=month_label, MODE_LABELS=MODE_LABELS, RULE_LABELS=RULE_LABELS,
                           limits=allowance.limits_for(this_month.year))


@bp.route("/<slug>/months/<month>")
@login_required
def month_page(slug: str, month: str):
    """A monthly statement: the figures of the month and its bookings, a page at a time."""
    initiative = access.require_books(slug)
    try:
        first = parse_month(month)
    except ValueError:
        abort(404)
    page = page_arg()
    figures = books.monthly(db.session, initiative.id, first, first)[0]
    opening = books.monthly(db.session, initiative.id, add_months(first, -1), add_months(first, -1))[0].closing
    listing = books.month_transactions(db.session, initiative.id, first, page)
    return render_template("pot/month.html", initiative=initiative, keeps_books=_keeps(initiative), month=first,
                           figures=figures, opening=opening, listing=listing, month_label=month_label,
                           previous=add_months(first, -1), next=add_months(first, 1),
                           this_month=month_start(local_today()), ACCOUNT_LABELS=ACCOUNT_LABELS)


@bp.route("/<slug>/export.csv")
@login_required
def export_csv(slug: str):
    """Every ledger line of the initiative as a spreadsheet, streamed so that a large ledger fits."""
    initiative = access.require_books(slug)
    header = [_("Booking"), _("Date"), _("Booked at"), _("Kind"), _("Description"), _("Corrects booking"),
              _("Account"), _("Member"), _("Amount (EUR)"), _("Booked by")]
    labels = {kind: str(label) for kind, label in ACCOUNT_LABELS.items()}
    kinds = {kind: str(label) for kind, label in TRANSACTION_LABELS.items()}
    rows = books.export_rows(db.session, initiative.id)

    lines = ([txn_id, value_date.isoformat(), booked_at.isoformat(timespec="seconds"), kinds[kind],
              spreadsheet_safe(description or ""), reverses_id or "", labels[account_kind], spreadsheet_safe(person or ""),
              cents_comma(cents), spreadsheet_safe(booker or "")]
             for txn_id, value_date, booked_at, kind, description, reverses_id, account_kind, person, cents, booker
             in rows)
    return csv_download(f"pot-{initiative.slug}-{local_today().isoformat()}", header, lines)


# --- bookings -----------------------------------------------------------------------------------

def _already_booked(key: str) -> bool:
    return db.session.scalar(sa.select(PotTransaction.id).where(PotTransaction.idempotency_key == key)) is not None


# Fields the confirmation page does not carry as they were posted: it writes its own flags and token.
NOT_CARRIED = {"csrf_token", "confirmed", "again", "change", "over_limit"}


def _carried(form) -> list[tuple[str, str]]:
    """The fields of a posted booking form as typed, for the confirmation page to post again unchanged."""
    return [(f.name, f.raw_data[0] if f.raw_data else "") for f in form if f.name not in NOT_CARRIED]


def _booking(slug: str, form, template: str, book, success: str, kind, check=None, **context):
    """Show a booking form; a valid post shows the booking as it will be booked, and only its confirmed
    post books it, once (a repeated post books nothing more). A booking like one booked a moment ago
    (going back in the browser and sending it again) is asked about, and booked only when asked again.

    ``kind(form)`` is the kind of booking; ``check(initiative, form)`` is True while a question of the
    form itself (the direct payment's tax-free limit) still waits for an answer."""
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
        similar = books.similar_booking(db.session, initiative.id, kind(form), member.id if member else None,
                                        form.amount.cents, form.value_date.data, since)
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

    return _booking(slug, IncomeForm(), "pot/book_income.html", book, _("The money is booked into the pot."),
                    kind=lambda form: TransactionKind(form.source.data))


@bp.route("/<slug>/book/spending", methods=["GET", "POST"])
@login_required
def book_spending(slug: str):
    def book(initiative, form):
        return services.book_spending(db.session, current_user, initiative, form.amount.cents,
                                      description=form.description.data or "", value_date=form.value_date.data,
                                      key=form.key.data)

    return _booking(slug, SpendingForm(), "pot/book_spending.html", book, _("The spending is booked."),
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
        return [(i, f"{name} ({_('owed')} {money(cents)})")
                for i, name, cents in books.member_choices(db.session, initiative, owed_only=True)]

    return _booking(slug, PayoutForm(), "pot/book_payout.html", book, _("The payout is booked."),
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
                     amount=money(form.capped.allowed_cents))
        return _("The payment is recorded.")

    def choices(initiative):
        return [(i, name) for i, name, _cents in books.member_choices(db.session, initiative)]

    return _booking(slug, DirectForm(), "pot/book_direct.html", book, _("The payment is recorded."),
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


# --- settings -----------------------------------------------------------------------------------

@bp.route("/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    """The coordinator or treasurer chooses how help is compensated (``access.may_set_up_pot``)."""
    initiative = access.require_pot_settings(slug)
    current = services.settings_of(db.session, initiative)
    form = SettingsForm()
    status = 200
    if request.method == "GET":
        form.mode.data = current.mode.value
        form.rule.data = current.rule.value
        form.month_end_day.data = current.month_end_day
        form.rate_per_hour.data = for_input(current.rate_per_hour_cents)
        form.rate_per_km.data = for_input(current.rate_per_km_cents)
        for category in Category:
            if category.value in current.category_rates:
                form[f"rate_{category.value}"].data = for_input(current.category_rates[category.value])
    elif valid_submission(form):
        rates = {c.value: form[f"rate_{c.value}"].cents for c in Category
                 if form[f"rate_{c.value}"].cents is not None}
        try:
            services.save_settings(
                db.session, current_user, initiative, mode=CompensationMode(form.mode.data),
                rate_per_hour_cents=form.rate_per_hour.cents or 0, category_rates=rates,
                rate_per_km_cents=form.rate_per_km.cents or 0, rule=DistributionRule(form.rule.data),
                month_end_day=form.month_end_day.data)
            db.session.commit()
        except DomainError as exc:
            status = refused(exc)
        else:
            flash(_("The settings are saved. They apply to help that is done from now on."), "success")
            limit = allowance.limits_for(local_today().year).hourly_cents
            if max([form.rate_per_hour.cents or 0, *rates.values()]) > limit:
                flash(_("A rate is above the tax-free limit of %(limit)s an hour: helpers may have to pay tax.",
                        limit=money(limit)), "info")
            return redirect(url_for("pot.settings", slug=initiative.slug))
    else:
        status = 400
    return render_template("pot/settings.html", initiative=initiative, form=form, Category=Category,
                           keeps_books=_keeps(initiative)), status
