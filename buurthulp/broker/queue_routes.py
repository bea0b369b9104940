"""The broker's queue: its sections, filters and pages. On the broker blueprint, brought in by ``routes``."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from buurthulp.access import require_broker
from buurthulp.broker import bp
from buurthulp.broker import queue as q
from buurthulp.broker.queue_forms import QueueFilterForm
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.input import page_arg
from buurthulp.places.services import review_count


def settings() -> q.Settings:
    config = current_app.config
    return q.Settings(stale_days=config["BROKER_STALE_DAYS"], follow_up_days=config["BROKER_FOLLOW_UP_DAYS"],
                      follow_up_window_days=config["BROKER_FOLLOW_UP_WINDOW_DAYS"])


@bp.route("/<slug>")
@login_required
def queue(slug: str):
    initiative = require_broker(slug)
    form = QueueFilterForm(request.args, initiative=initiative)
    filters = form.filters()
    now = utcnow()
    scope = q.scope(db.session, initiative, current_user, now, settings())
    counts = q.counts(db.session, scope, filters)
    pagination = q.page(db.session, scope, filters, page_arg(), current_app.config["BROKER_QUEUE_PAGE_SIZE"],
                        counts[filters.section])
    return render_template("broker/queue.html", initiative=initiative, now=now, form=form, filters=filters,
                           filtered=form.filtered, counts=counts, pagination=pagination, sections=list(q.Section),
                           labels=q.SECTION_LABELS, ask_sections=q.ASK_SECTIONS,
                           places_waiting=review_count(db.session, current_user, now))
