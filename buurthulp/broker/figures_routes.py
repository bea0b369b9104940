"""Figures for funders in the broker workspace: a page with a table and a chart per month, and a CSV file."""

from __future__ import annotations

import math
from datetime import date
from itertools import groupby

from flask import Response, abort, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import StringField
from wtforms.validators import ValidationError

from buurthulp.access import require_broker
from buurthulp.activities.figures import activity_figures
from buurthulp.broker import bp
from buurthulp.broker.figures import MAX_MONTHS, Row, circle_figures, monthly_figures
from buurthulp.extensions import db
from buurthulp.forms import Form, strip_filter
from buurthulp.sheets import csv_download, decimal_comma, month_label, nice_top, parse_month, spreadsheet_safe
from buurthulp.timeutil import add_months, local_today, month_start

DEFAULT_MONTHS = 6


def _month_field(form, field) -> None:
    if field.data:
        try:
            parse_month(field.data)
        except ValueError:
            raise ValidationError(_l("Fill in a month as year-month, for example 2025-03.")) from None


class PeriodForm(Form):
    """The period of the figures, in the address (GET): from a month up to and including a month.

    Plain text inputs, not type="month": the style sheet does not size month inputs, and some
    browsers show them as text anyway, where the hint's "2025-01" is what works.
    """

    class Meta:
        csrf = False

    start = StringField(_l("From month"), name="from", filters=[strip_filter],
                        validators=[_month_field], description=_l("Year and month, for example 2025-01."))
    end = StringField(_l("Up to and including month"), name="to", filters=[strip_filter],
                      validators=[_month_field], description=_l("Year and month, for example 2025-06."))

    first: date
    last: date

    def validate(self, extra_validators=None) -> bool:
        """Fields first; then an empty field takes the default (the last six months) and the order is checked."""
        if not super().validate(extra_validators):
            return False
        this_month = month_start(local_today())
        self.last = parse_month(self.end.data) if self.end.data else this_month
        self.first = (parse_month(self.start.data) if self.start.data
                      else add_months(self.last, 1 - DEFAULT_MONTHS))
        if self.first > self.last:
            self.end.errors.append(_("The last month comes before the first month. Swap them and try again."))
            return False
        if (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1 > MAX_MONTHS:
            self.end.errors.append(_("Choose a period of at most %(n)d months.", n=MAX_MONTHS))
            return False
        self.start.data, self.end.data = self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")
        return True


# --- presentation -------------------------------------------------------------------------------

def share(value: float | None) -> str:
    return format_percent(value) if value is not None else "—"


def one_decimal(value: float | None) -> str:
    return format_decimal(round(value, 1), format="#,##0.#") if value is not None else "—"


SERIES = (  # figure, legend, colour: asks orange and offers green as on the post cards
    ("asks", _l("Asks"), "#b35c00"),
    ("offers", _l("Offers"), "#1f6f50"),
    ("matches", _l("Agreed matches"), "#1b4f8a"),
)


def bar_chart(totals: list[Row]) -> dict:
    """Sizes and places of the bars of asks, offers and agreed matches per month, for an inline SVG."""
    width, height = 720, 340
    left, right, top, bottom = 48, 12, 44, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max([getattr(r, name) for r in totals for name, *_ in SERIES] + [0])
    top_value = nice_top(largest)
    slot = plot_w / max(len(totals), 1)
    bar_w = slot * 0.8 / len(SERIES)
    label_every = math.ceil(len(totals) / 12)
    months = []
    for i, row in enumerate(totals):
        bars = []
        for j, (name, legend, colour) in enumerate(SERIES):
            value = getattr(row, name)
            h = plot_h * value / top_value
            x = left + i * slot + slot * 0.1 + j * bar_w
            bars.append({"x": round(x, 1), "y": round(top + plot_h - h, 1), "w": round(bar_w, 1), "h": round(h, 1),
                         "value": value, "colour": colour,
                         "title": _("%(month)s, %(series)s: %(value)d", month=month_label(row.month),
                                        series=legend, value=value)})
        months.append({"bars": bars, "label": format_date(row.month, format="MMM yyyy"),
                       "show_label": i % label_every == 0, "x": round(left + (i + 0.5) * slot, 1)})
    ticks = [{"value": top_value * k // 4, "y": round(top + plot_h - plot_h * k / 4, 1)} for k in range(5)]
    legend = [{"label": str(label), "colour": colour, "x": left + k * 190} for k, (_n, label, colour) in
              enumerate(SERIES)]
    return {"width": width, "height": height, "left": left, "right": width - right, "bottom": top + plot_h,
            "months": months, "ticks": ticks, "legend": legend, "value_labels": len(totals) <= 12,
            "font": 13, **{f"sum_{name}": sum(getattr(r, name) for r in totals) for name, *_ in SERIES}}


def _figures_of(initiative, form: PeriodForm) -> list[tuple[date, list[Row], Row]]:
    rows = monthly_figures(db.session, initiative, form.first, form.last)
    months = []
    for month, group in groupby(rows, key=lambda r: r.month):
        group = list(group)
        months.append((month, [r for r in group if not r.is_total], next(r for r in group if r.is_total)))
    return months


# --- routes -------------------------------------------------------------------------------------

@bp.route("/<slug>/figures")
@login_required
def figures(slug: str):
    initiative = require_broker(slug)
    form = PeriodForm(request.args)
    if not form.validate():
        return render_template("broker/figures.html", initiative=initiative, form=form, months=None,
                               chart=None), 400
    months = _figures_of(initiative, form)
    totals = [total for _month, _rows, total in months]
    period = {"from": form.start.data, "to": form.end.data}
    return render_template("broker/figures.html", initiative=initiative, form=form, months=months,
                           chart=bar_chart(totals), month_label=month_label, share=share, one_decimal=one_decimal,
                           first_label=month_label(form.first), last_label=month_label(form.last),
                           csv_url=url_for("broker.figures_csv", slug=initiative.slug, **period),
                           circles=circle_figures(db.session, initiative, form.first, form.last),
                           circles_csv_url=url_for("broker.figures_circles_csv", slug=initiative.slug, **period),
                           activities=activity_figures(db.session, initiative, form.first, form.last),
                           activities_csv_url=url_for("broker.figures_activities_csv", slug=initiative.slug,
                                                      **period))


def _csv_period(slug: str):
    """The initiative and a valid period for a spreadsheet download; a bad period is a 400 that says why, as
    plain text (no page to show the form again on)."""
    initiative = require_broker(slug)
    form = PeriodForm(request.args)
    if not form.validate():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        abort(Response("\n".join(problems) + "\n", status=400, mimetype="text/plain"))
    return initiative, form


@bp.route("/<slug>/figures.csv")
@login_required
def figures_csv(slug: str):
    initiative, form = _csv_period(slug)
    header = [
        _("Month"), _("Neighbourhood"), _("Asks posted"), _("Offers posted"), _("Matches by the scheduler"),
        _("Matches by a broker"), _("Matches by direct response"), _("Agreed matches"),
        _("Asks matched within 7 days (%)"), _("Asks matched within 30 days (%)"),
        _("Median days from ask to match"), _("Hours of help"), _("Active neighbours"), _("New neighbours"),
        _("Neighbours who asked and offered"),
    ]
    rows = [[r.month.strftime("%Y-%m"), spreadsheet_safe(r.neighbourhood_name), r.asks, r.offers,
             r.matches_scheduler, r.matches_broker, r.matches_response, r.matches,
             decimal_comma(None if r.share_matched_7d is None else 100 * r.share_matched_7d, 1),
             decimal_comma(None if r.share_matched_30d is None else 100 * r.share_matched_30d, 1),
             decimal_comma(r.median_days, 1), decimal_comma(r.hours, 2), r.active_neighbours, r.new_neighbours,
             r.asked_and_offered]
            for _month, month_rows, _total in _figures_of(initiative, form) for r in month_rows]
    return csv_download(f"figures-{initiative.slug}-{form.start.data}-{form.end.data}", header, rows)


@bp.route("/<slug>/figures/circles.csv")
@login_required
def figures_circles_csv(slug: str):
    """The support circles' figures per month as a spreadsheet: counts only, no names."""
    initiative, form = _csv_period(slug)
    header = [_("Month"), _("Circles"), _("Circle members"), _("Rota dates done"), _("Check-ins done")]
    rows = [[r.month.strftime("%Y-%m"), r.circles, r.members, r.dates_done, r.check_ins_done]
            for r in circle_figures(db.session, initiative, form.first, form.last)]
    return csv_download(f"circles-{initiative.slug}-{form.start.data}-{form.end.data}", header, rows)


@bp.route("/<slug>/figures/activities.csv")
@login_required
def figures_activities_csv(slug: str):
    """The activities' figures per month as a spreadsheet: counts only, no names."""
    initiative, form = _csv_period(slug)
    header = [_("Month"), _("Activity dates held"), _("People who came (counted by the organisers)"),
              _("Dates with a count"), _("Neighbours signed up"), _("New contacts")]
    rows = [[r.month.strftime("%Y-%m"), r.dates_held, r.came, r.dates_counted, r.signed_up, r.new_contacts]
            for r in activity_figures(db.session, initiative, form.first, form.last)]
    return csv_download(f"activities-{initiative.slug}-{form.start.data}-{form.end.data}", header, rows)
