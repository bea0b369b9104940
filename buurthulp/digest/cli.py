"""`flask digest send` and `flask digest preview`."""

import sys

import click
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.digest import bp, services
from buurthulp.extensions import db
from buurthulp.sheets import parse_month
from buurthulp.timeutil import local_today


def _month(value: str | None):
    if value is None:
        return local_today().replace(day=1)
    try:
        return parse_month(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM, for example 2026-12", param_hint="--month") from None


@bp.cli.command("send")
@click.option("--month", help="The digest's month, YYYY-MM (the month it is sent in); default: this month.")
@click.option("--dry-run", is_flag=True, help="Count who would get a digest; send and record nothing.")
def send_command(month: str | None, dry_run: bool) -> None:
    """Send the monthly digest to everyone who has not had this month's (safe to run again)."""
    edition = _month(month)
    now = utcnow()
    if edition > local_today(now):
        click.echo(f"The digest of {edition:%Y-%m} cannot be sent yet: that month has not started. "
                   "Sending it now would count as that month's edition.", err=True)
        sys.exit(2)
    total = services.count_recipients(db.session, edition)
    try:
        with click.progressbar(length=total, label=f"digest {edition:%Y-%m}", show_pos=True) as bar:
            summary = services.send_month(db.session, edition, now, dry_run=dry_run, progress=bar.update)
    except services.MailServerDown as stop:
        db.session.rollback()
        click.echo(f"\nThe mail server could not be reached ({stop.message}): {stop.summary.sent} sent, "
                   f"{stop.waiting} wait for the next run.", err=True)
        sys.exit(1)
    db.session.commit()
    parts = summary.as_dict()
    click.echo(("dry run: " if dry_run else "") + ", ".join(f"{k}: {v}" for k, v in parts.items()))


@bp.cli.command("preview")
@click.argument("who")
@click.option("--month", help="The digest's month, YYYY-MM; default: this month.")
def preview_command(who: str, month: str | None) -> None:
    """Print the digest of one neighbour (id or e-mail address) as its text would be sent."""
    query = sa.select(Neighbour).where(Neighbour.id == int(who)) if who.isdigit() else \
        sa.select(Neighbour).where(sa.func.lower(Neighbour.email) == who.lower())
    neighbour = db.session.scalar(query)
    if neighbour is None:
        raise click.BadParameter(f"no neighbour {who!r}", param_hint="WHO")
    content = services.digest_for(db.session, neighbour, _month(month))
    if content.is_empty:
        click.echo(f"{neighbour.display_name} has nothing to show this month: no digest would be sent.")
        return
    with services.public_urls():
        mail = services.compose(content)
    click.echo(f"To: {mail.to}\nSubject: {mail.subject}\n")
    click.echo(mail.text)
