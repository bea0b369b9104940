"""The pot as a member sees it: my compensation and allowance room, my statement; a member's, for the books."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import allowance, books, bp, services
from buurthulp.pot.forms import AllowanceForm
from buurthulp.pot.models import CompensationMode
from buurthulp.timeutil import local_today


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
