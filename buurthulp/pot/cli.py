"""`flask pot verify` and `flask pot distribute`."""

import sys

import click
import sqlalchemy as sa

from buurthulp.broker.figures_routes import parse_month
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import bp
from buurthulp.pot.services import distribute_due, distribute_month
from buurthulp.pot.verify import verify


@bp.cli.command("verify")
def verify_command() -> None:
    """Check every invariant of the ledger; exit with status 1 when one is broken."""
    problems = verify(db.session)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("The ledger is in order: every transaction sums to zero and every balance matches its entries.")


@bp.cli.command("distribute")
@click.option("--month", help="The month to share out, YYYY-MM; without it, what is due today.")
@click.option("--initiative", "slug", help="Only this initiative (its slug); needs --month.")
def distribute_command(month: str | None, slug: str | None) -> None:
    """Share out the pots (once per initiative and month; the scheduler does this every night)."""
    if slug and month is None:
        raise click.UsageError("--initiative needs --month")
    if month is None:
        counts = distribute_due(db.session, utcnow())
        db.session.commit()
        click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
        return
    try:
        first = parse_month(month)
    except ValueError:
        raise click.BadParameter("use YYYY-MM, for example 2026-10", param_hint="--month") from None
    query = sa.select(Initiative).order_by(Initiative.id)
    if slug:
        query = query.where(Initiative.slug == slug)
        if db.session.scalar(query) is None:
            raise click.BadParameter(f"no initiative {slug!r}", param_hint="--initiative")
    for initiative in db.session.scalars(query):
        booked = distribute_month(db.session, initiative, first, utcnow())
        click.echo(f"{initiative.slug}: " + (f"booking {booked.id}" if booked else "nothing to share out"))
    db.session.commit()
