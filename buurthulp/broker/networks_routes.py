"""The broker's list of small networks: neighbours to reach out to (``networks``)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import login_required

from buurthulp.access import require_broker
from buurthulp.broker import bp, networks
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.input import page_arg


@bp.route("/<slug>/small-networks")
@login_required
def small_networks(slug: str):
    """Neighbours with few warm contacts, no circle and an open or weekly ask: whom to reach out to."""
    initiative = require_broker(slug)
    pagination = networks.small_networks(db.session, initiative, utcnow(), page=page_arg())
    return render_template("broker/small_networks.html", initiative=initiative, pagination=pagination,
                           rows=pagination.items, can_start_circle="circles.start" in current_app.view_functions,
                           months=round(networks.WARM_DAYS / 30.5), few=networks.FEW_WARM)
