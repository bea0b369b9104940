"""`flask pot verify` and `flask pot distribute`."""

import sys

import click
import sqlalchemy as sa

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import bp
from buurthulp.pot.shares import distribute_due, distribute_month, month_is_over, rounds_of
from buurthulp.pot.verify import verify
from buurthulp.sheets import parse_month
from buurthulp.timeutil import add_months


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
    now = utcnow()
    if not month_is_over(first, now):
        click.echo(f"{first:%Y-%m} is not over yet: it can be shared out from {add_months(first, 1):%Y-%m-%d} on, "
                   "so that help done later in the month gets its share.", err=True)
        sys.exit(2)
    for initiative in db.session.scalars(query).all():
        before = {t.id for t in rounds_of(db.session, initiative.id, first)}
        booked = distribute_month(db.session, initiative, first, now)
        if booked is None:
            click.echo(f"{initiative.slug}: nothing to share out")
        elif booked.id in before:
            click.echo(f"{initiative.slug}: already shared out (booking {booked.id}); nothing came in since")
        else:
            click.echo(f"{initiative.slug}: booking {booked.id}")
        db.session.commit()
