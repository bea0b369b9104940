"""`flask admin ...`: set up a site from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa

from buurthulp import outbox
from buurthulp.accounts import services as accounts
from buurthulp.accounts.models import Neighbour, find_by_email, normalise_email
from buurthulp.admin import bp
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.mail import send_queued
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood, Role


def _fail(message) -> None:
    raise click.ClickException(str(message))


def _neighbourhoods_by_slug(slugs: str) -> list[Neighbourhood]:
    wanted = [s.strip() for s in slugs.split(",") if s.strip()]
    if not wanted:
        return []
    found = {n.slug: n for n in db.session.scalars(sa.select(Neighbourhood).where(Neighbourhood.slug.in_(wanted)))}
    missing = [s for s in wanted if s not in found]
    if missing:
        _fail(f"unknown neighbourhood(s): {', '.join(missing)}")
    return [found[s] for s in wanted]


@bp.cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Beheerder", show_default=True, help="Display name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when left out.")
def create_admin(email: str, name: str, password: str) -> None:
    """Create a site admin, or make an existing neighbour one."""
    neighbour = find_by_email(db.session, email)
    if neighbour is None:
        problem = accounts.password_problem(password, email=email, name=name)
        if problem:
            _fail(problem)
        neighbour = Neighbour(display_name=name, email=normalise_email(email), email_confirmed_at=utcnow())
        neighbour.set_password(password)
        db.session.add(neighbour)
    neighbour.is_admin = True
    db.session.commit()
    click.echo(f"{neighbour.email} is a site admin.")


@bp.cli.command("create-neighbourhood")
@click.argument("name")
@click.option("--municipality", required=True)
@click.option("--postcodes", required=True, help='Comma-separated PC4/PC6 prefixes, e.g. "3554,3555AB".')
@click.option("--adjacent", default="", help="Comma-separated slugs of neighbourhoods next to it.")
@click.option("--centre", default="", help='"lat,lon" of the centre, optional.')
def create_neighbourhood(name: str, municipality: str, postcodes: str, adjacent: str, centre: str) -> None:
    """Create a neighbourhood with its postcode areas and neighbours."""
    lat = lon = None
    if centre:
        try:
            lat, lon = (float(x) for x in centre.split(","))
        except ValueError:
            _fail('--centre takes "lat,lon", e.g. "52.106,5.096"')
    try:
        hood = services.save_neighbourhood(
            db.session, None, name=name, municipality=municipality,
            prefixes=services.parse_postcode_prefixes(postcodes), adjacent=_neighbourhoods_by_slug(adjacent),
            centre_lat=lat, centre_lon=lon,
        )
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"created neighbourhood {hood.slug}")


@bp.cli.command("create-initiative")
@click.argument("name")
@click.option("--neighbourhoods", required=True, help="Comma-separated neighbourhood slugs it works in.")
@click.option("--description", default="")
@click.option("--contact-email", default=None)
def create_initiative(name: str, neighbourhoods: str, description: str, contact_email: str | None) -> None:
    """Create an initiative working in some neighbourhoods."""
    try:
        ini = services.save_initiative(db.session, None, name=name, description=description,
                                       contact_email=contact_email, neighbourhoods=_neighbourhoods_by_slug(neighbourhoods))
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"created initiative {ini.slug}")


@bp.cli.command("grant-role")
@click.argument("initiative")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def grant_role(initiative: str, email: str, role: str) -> None:
    """Give a neighbour a role (member, broker, treasurer, coordinator) in an initiative (by slug)."""
    ini = db.session.scalar(sa.select(Initiative).where(Initiative.slug == initiative))
    if ini is None:
        _fail(f"unknown initiative: {initiative}")
    neighbour = find_by_email(db.session, email)
    if neighbour is None or neighbour.deleted_at is not None:
        _fail(f"no neighbour with e-mail {email}")
    services.grant_role(db.session, ini, neighbour, Role(role))
    db.session.commit()
    click.echo(f"{neighbour.email} is {role} of {ini.slug}")


# --- `flask mail ...`: the outbox ------------------------------------------------------------------

mail_group = click.Group("mail", help="The mail outbox.")


@mail_group.command("send-queued")
def send_queued_command() -> None:
    """Send the mail that waits in the outbox now (the send_queued_mail job does this every minute)."""
    counts = send_queued(db.session)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
    if counts["retry"] and not counts["sent"]:
        raise click.ClickException(f"the mail server could not be reached; {counts['waiting']} mail(s) wait")


@mail_group.command("status")
def mail_status_command() -> None:
    """How many mails wait, since when, and which are failing."""
    waiting, oldest = outbox.waiting(db.session)
    click.echo(f"waiting: {waiting}" + (f" (the oldest since {oldest.isoformat(timespec='seconds')})" if oldest else ""))
    for mail in outbox.failing(db.session, limit=20):
        click.echo(f"  #{mail.id} {mail.status} {mail.template} to {mail.to_address}, {mail.attempts} attempt(s): "
                   f"{mail.last_error}")


@bp.record_once
def _add_mail_group(state) -> None:
    # `flask mail ...` stands beside `flask admin ...`: the operators' word for it
    state.app.cli.add_command(mail_group)
