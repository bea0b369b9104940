"""The books, for those who keep them (the treasurer) or oversee them (coordinators): the overview, a month, the
export, and how the pot compensates help."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.categories import Category
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.input import page_arg
from buurthulp.money import for_input, format_euros
from buurthulp.pot import allowance, books, bp, services
from buurthulp.pot.forms import SettingsForm
from buurthulp.pot.models import (
    ACCOUNT_LABELS,
    MODE_LABELS,
    RULE_LABELS,
    TRANSACTION_LABELS,
    CompensationMode,
    DistributionRule,
)
from buurthulp.sheets import cents_comma, csv_download, month_label, nice_top, parse_month, spreadsheet_safe
from buurthulp.timeutil import add_months, local_today, month_start
from buurthulp.web import refused


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
                     "title": _("%(month)s: %(amount)s", month=month_label(m.month), amount=format_euros(m.closing))})
    ticks = [{"value": format_euros(top_value * k // 4 * 100), "y": round(top + plot_h - plot_h * k / 4, 1)}
             for k in range(5)]
    return {"width": width, "height": height, "left": left, "right": width - right, "bottom": top + plot_h,
            "bars": bars, "ticks": ticks}


def _keeps(initiative) -> bool:
    """Whether the reader of these books keeps them too (``access.may_keep_books``): the booking links."""
    return access.may_keep_books(db.session, current_user, initiative)


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
        form.count_circle_help.data = bool(current.count_circle_help)
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
                month_end_day=form.month_end_day.data, count_circle_help=form.count_circle_help.data)
            db.session.commit()
        except DomainError as exc:
            status = refused(exc)
        else:
            flash(_("The settings are saved. They apply to help that is done from now on."), "success")
            limit = allowance.limits_for(local_today().year).hourly_cents
            if max([form.rate_per_hour.cents or 0, *rates.values()]) > limit:
                flash(_("A rate is above the tax-free limit of %(limit)s an hour: helpers may have to pay tax.",
                        limit=format_euros(limit)), "info")
            return redirect(url_for("pot.settings", slug=initiative.slug))
    else:
        status = 400
    return render_template("pot/settings.html", initiative=initiative, form=form, Category=Category,
                           keeps_books=_keeps(initiative)), status
