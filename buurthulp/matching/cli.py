"""`flask matching run`: run the matcher now."""

import click

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching import bp
from buurthulp.matching.services import run_matching


@bp.cli.command("run")
@click.option("--full", is_flag=True, help="Look at every open ask, not only what changed since the last run.")
def run(full: bool) -> None:
    """Run the matcher now (on demand; the scheduler also runs it every hour, and in full once a day)."""
    counts = run_matching(db.session, utcnow(), full=full)
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
