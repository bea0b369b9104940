"""`flask matching run`: run the matcher now."""

import click

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching import bp
from buurthulp.matching.services import run_matching


@bp.cli.command("run")
def run() -> None:
    """Run the matcher now (on demand; the scheduler also runs it every hour)."""
    counts = run_matching(db.session, utcnow())
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
