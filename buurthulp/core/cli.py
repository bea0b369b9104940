"""`flask demo`: the demo neighbourhood (Zuilen in Utrecht and its neighbours)."""

from __future__ import annotations

from datetime import time as clock
from datetime import timedelta

import click
import sqlalchemy as sa

from buurthulp.accounts.models import DigestPreference, InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.activities import services as activities
from buurthulp.activities import signups as activity_signups
from buurthulp.activities.dates import series_dates
from buurthulp.activities.models import Activity, ActivityKind, Repeat
from buurthulp.categories import Category as C
from buurthulp.categories import DayPart as P
from buurthulp.categories import Weekday as W
from buurthulp.categories import mask_of
from buurthulp.core import bp
from buurthulp.core.backup import backup
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods import services
from buurthulp.neighbourhoods.models import BrokerTitle, Initiative, Neighbourhood, Role
from buurthulp.places import services as places
from buurthulp.places.models import Place, PlaceKind
from buurthulp.posts.models import Post, PostKind, Timing
from buurthulp.posts.services import PostInput, create_post
from buurthulp.pot import ledger as pot_ledger
from buurthulp.pot import services as pot
from buurthulp.pot import shares as pot_shares
from buurthulp.pot.models import AccountKind, CompensationMode, DistributionRule, PotTransaction, TransactionKind
from buurthulp.timeutil import local_today

DEMO_PASSWORD = "zuilen-demo-2026"

NEIGHBOURHOODS = [
    # name, municipality, postcode areas, centre, adjacent
    ("Zuilen", "Utrecht", ["3554", "3555"], (52.1105, 5.0935), []),
    ("Ondiep", "Utrecht", ["3552", "3553"], (52.1020, 5.1000), ["zuilen"]),
    ("Pijlsweerd", "Utrecht", ["3513", "3514"], (52.0985, 5.1110), ["ondiep", "zuilen"]),
    ("Everdingen", "Vijfheerenlanden", ["4121"], (51.9900, 5.1650), []),
]

# name, neighbourhoods, description, e-mail, what its broker is called (a village's dorpsondersteuner)
INITIATIVES = [
    ("Kracht van Zuilen", ["zuilen", "ondiep", "pijlsweerd"],
     "Bewoners van Zuilen, Ondiep en Pijlsweerd die omzien naar elkaar. We verbinden wat er al is in de wijk.",
     "info@krachtvanzuilen.example", BrokerTitle.BUURTMAKELAAR),
    ("Buurtwinkel Everdingen", ["everdingen"],
     "Een plek in het dorp voor een kop koffie, een klusje en een praatje.", "buurtwinkel@everdingen.example",
     BrokerTitle.DORPSONDERSTEUNER),
]

# name, e-mail, postcode, neighbourhood, likes to do, could use help with, free, roles
NEIGHBOURS = [
    ("Ria", "ria@example.org", "3554 AB", "zuilen", [C.COMPANY, C.MEALS], [C.PAPERWORK],
     [(W.TUESDAY, P.MORNING), (W.THURSDAY, P.AFTERNOON)], [("kracht-van-zuilen", Role.COORDINATOR)]),
    ("Ahmed", "ahmed@example.org", "3554 CD", "zuilen", [C.ODD_JOBS, C.TRANSPORT], [],
     [(W.SATURDAY, P.MORNING), (W.SATURDAY, P.AFTERNOON), (W.WEDNESDAY, P.EVENING)], [("kracht-van-zuilen", Role.BROKER)]),
    ("Els", "els@example.org", "3555 EF", "zuilen", [C.PAPERWORK], [C.ODD_JOBS],
     [(W.MONDAY, P.AFTERNOON)], [("kracht-van-zuilen", Role.TREASURER)]),
    ("Henk", "henk@example.org", "3554 GH", "zuilen", [C.COMPANY], [C.GROCERIES, C.TRANSPORT],
     [(W.MONDAY, P.MORNING), (W.FRIDAY, P.MORNING)], [("kracht-van-zuilen", Role.MEMBER)]),
    ("Fatima", "fatima@example.org", "3555 JK", "zuilen", [C.MEALS, C.MINDING], [C.PAPERWORK],
     [(W.WEDNESDAY, P.AFTERNOON)], []),
    ("Joost", "joost@example.org", "3553 LM", "ondiep", [C.EXERCISE, C.COMPANY], [],
     [(W.SUNDAY, P.MORNING), (W.TUESDAY, P.EVENING)], []),
    ("Mieke", "mieke@example.org", "3552 NP", "ondiep", [C.GROCERIES], [C.COMPANY],
     [(W.THURSDAY, P.MORNING), (W.FRIDAY, P.MORNING)], [("kracht-van-zuilen", Role.MEMBER)]),
    ("Sanne", "sanne@example.org", "3513 RS", "pijlsweerd", [C.MINDING, C.PAPERWORK], [C.ODD_JOBS],
     [(W.FRIDAY, P.EVENING), (W.SATURDAY, P.AFTERNOON)], []),
    ("Kees", "kees@example.org", "3514 TV", "pijlsweerd", [], [C.TRANSPORT, C.COMPANY], [], []),
    ("Yusuf", "yusuf@example.org", "3553 WX", "ondiep", [C.TRANSPORT, C.ODD_JOBS], [C.PAPERWORK],
     [(W.MONDAY, P.EVENING), (W.THURSDAY, P.EVENING)], []),
    ("Annie", "annie@example.org", "4121 AA", "everdingen", [C.COMPANY, C.MEALS], [C.GROCERIES],
     [(W.TUESDAY, P.AFTERNOON)], [("buurtwinkel-everdingen", Role.COORDINATOR)]),
    ("Gerrit", "gerrit@example.org", "4121 BB", "everdingen", [C.ODD_JOBS], [],
     [(W.WEDNESDAY, P.MORNING)], [("buurtwinkel-everdingen", Role.BROKER)]),
]

ADMIN = ("Beheer", "admin@example.org")

# author, kind, category, title, description, timing, days from today (once) / weekly slots
POSTS = [
    ("henk@example.org", "ask", C.GROCERIES, "Wie neemt op vrijdag boodschappen voor me mee?",
     "Ik loop slecht sinds de winter. Een tas met de vaste boodschappen van de Jumbo zou fijn zijn.", "weekly",
     [(W.FRIDAY, P.MORNING)]),
    ("els@example.org", "ask", C.ODD_JOBS, "Plank ophangen in de gang",
     "Ik heb de plank en de pluggen al, maar geen boormachine.", "flexible", None),
    ("kees@example.org", "ask", C.TRANSPORT, "Rit naar het ziekenhuis (Antonius)",
     "Om 10 uur moet ik er zijn; terug kan met de bus.", "once", 9),
    ("joost@example.org", "offer", C.EXERCISE, "Samen wandelen langs de Vecht",
     "Ik wandel elke zondagochtend een uurtje. Loop gerust mee, ook in een rustig tempo.", "weekly",
     [(W.SUNDAY, P.MORNING)]),
    ("fatima@example.org", "offer", C.MEALS, "Een extra bord soep",
     "Ik kook vaak te veel. Wie wil er op woensdag een bord soep?", "weekly", [(W.WEDNESDAY, P.AFTERNOON)]),
    ("ahmed@example.org", "offer", C.ODD_JOBS, "Klusjes in en om het huis",
     "Lamp ophangen, kraan die lekt, fiets plakken: vraag het gerust.", "flexible", None),
    ("mieke@example.org", "ask", C.COMPANY, "Iemand voor een kop koffie en een praatje",
     "Sinds mijn man overleden is, is het stil in huis.", "flexible", None),
]


def load_demo() -> dict[str, int]:
    """Create whatever of the demo data is missing; returns what was created."""
    created = {"neighbourhoods": 0, "initiatives": 0, "neighbours": 0}
    hoods = {n.slug: n for n in db.session.scalars(sa.select(Neighbourhood))}
    for name, municipality, prefixes, (lat, lon), adjacent in NEIGHBOURHOODS:
        slug = services.slugify(name)
        if slug not in hoods:
            hoods[slug] = services.save_neighbourhood(
                db.session, None, name=name, municipality=municipality, prefixes=prefixes,
                adjacent=[hoods[a] for a in adjacent], centre_lat=lat, centre_lon=lon,
            )
            created["neighbourhoods"] += 1
    inis = {i.slug: i for i in db.session.scalars(sa.select(Initiative))}
    for name, hood_slugs, description, email, broker_title in INITIATIVES:
        slug = services.slugify(name)
        if slug not in inis:
            inis[slug] = services.save_initiative(db.session, None, name=name, description=description,
                                                  contact_email=email, neighbourhoods=[hoods[h] for h in hood_slugs])
            inis[slug].broker_title = broker_title
            created["initiatives"] += 1
    existing = set(db.session.scalars(sa.select(Neighbour.email)))
    now = utcnow()
    for i, (name, email, postcode, hood, likes, needs, free, roles) in enumerate(NEIGHBOURS):
        if email in existing:
            continue
        home = hoods[hood]
        # spread the demo homes a few hundred metres around the centre, the same way every time
        lat = round(home.centre_lat + ((i * 7) % 9 - 4) * 0.0012, 3)
        lon = round(home.centre_lon + ((i * 5) % 9 - 4) * 0.0018, 3)
        neighbour = Neighbour(
            display_name=name, email=email, email_confirmed_at=now, postcode=postcode, neighbourhood=home,
            latitude=lat, longitude=lon, availability=mask_of(free),
            digest=DigestPreference.MONTHLY, locale="nl",
        )
        neighbour.set_password(DEMO_PASSWORD)
        db.session.add(neighbour)
        set_interests(neighbour, InterestDirection.OFFER, likes)
        set_interests(neighbour, InterestDirection.ASK, needs)
        db.session.flush()
        for ini_slug, role in roles:
            services.grant_role(db.session, inis[ini_slug], neighbour, role)
        created["neighbours"] += 1
    if ADMIN[1] not in existing:
        admin = Neighbour(display_name=ADMIN[0], email=ADMIN[1], email_confirmed_at=now, is_admin=True,
                          postcode="3554 AB", neighbourhood=hoods["zuilen"])
        admin.set_password(DEMO_PASSWORD)
        db.session.add(admin)
        created["neighbours"] += 1
    db.session.flush()
    created["posts"] = _load_demo_posts(now)
    created["pot bookings"] = _load_demo_pot(now)
    created["places"] = _load_demo_places(now)
    created["activities"] = _load_demo_activities(now)
    return created


DEMO_ACTIVITY = "Koffieochtend in De Boog"


def _load_demo_activities(now) -> int:
    """Kracht van Zuilen's weekly coffee morning at Buurthuis De Boog, with a few neighbours coming."""
    if db.session.scalar(sa.select(Activity.id).where(Activity.title == DEMO_ACTIVITY)) is not None:
        return 0
    people = {n.email: n for n in db.session.scalars(sa.select(Neighbour))}
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    place = db.session.scalar(sa.select(Place).where(Place.name == "Buurthuis De Boog"))
    if "ria@example.org" not in people or initiative is None:
        return 0
    today = local_today(now)
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    data = activities.ActivityInput(
        title=DEMO_ACTIVITY, kind=ActivityKind.COFFEE, starts_on=thursday, start_time=clock(10, 0),
        description="Elke donderdag staat de koffie klaar. Gewoon binnenlopen mag; zeg even dat je komt, dan "
                    "weten we hoeveel koekjes we nodig hebben.",
        duration_minutes=90, repeat=Repeat.WEEKLY, capacity=12, initiative_id=initiative.id,
        place_id=place.id if place is not None and place.is_public else None,
        place_note="" if place is not None and place.is_public else "Buurthuis De Boog, Amsterdamsestraatweg 303")
    activity = activities.put_on(db.session, people["ria@example.org"], data, now)
    first, second = series_dates(activity, thursday, thursday + timedelta(days=7))
    for email, days in (("henk@example.org", (first, second)), ("mieke@example.org", (first,)),
                        ("joost@example.org", (first,)), ("fatima@example.org", (second,))):
        for day in days:
            if email in people:
                activity_signups.join(db.session, people[email], activity, day, now)
    return 1


# name, kind, neighbourhood, address, where, hours, contact, activities (weekday, from, until, title), added by
PLACES = [
    ("Buurthuis De Boog", "community_centre", "zuilen", "Amsterdamsestraatweg 303", "", "ma-vr 9:00-17:00",
     "030 000 00 00", [(3, "10:00", "11:30", "Koffieochtend")], "ria@example.org"),
    ("Digitaal spreekuur in de bibliotheek", "help_desk", "zuilen", "Prins Bernhardplein 2", "",
     "", "bibliotheek Zuilen, balie", [(1, "10:00", "12:00", "Hulp met formulieren, DigiD en je telefoon")],
     "ahmed@example.org"),
    ("Wandelgroep langs de Vecht", "walking", "ondiep", "", "Start bij het bankje aan de Vechtoever, bij de brug",
     "", "", [(6, "10:00", "11:00", "Rustig wandelen")], "ahmed@example.org"),
    ("Samen eten in Pijlsweerd", "meals", "pijlsweerd", "Draaiweg 51", "", "", "",
     [(4, "17:30", "19:30", "Buurtmaaltijd")], "henk@example.org"),
]


def _load_demo_places(now) -> int:
    """A few places of the living map: checked ones with a story, and one that waits for a check."""
    if db.session.scalar(sa.select(Place.id).limit(1)) is not None:
        return 0
    people = {n.email: n for n in db.session.scalars(sa.select(Neighbour))}
    hoods = {n.slug: n for n in db.session.scalars(sa.select(Neighbourhood))}
    added = []
    for name, kind, hood, address, where, hours, contact, times, by in PLACES:
        if by not in people or hood not in hoods:
            continue
        data = places.PlaceInput(
            name=name, kind=PlaceKind(kind), neighbourhood_id=hoods[hood].id, address=address, where_note=where,
            opening_hours=hours, contact=contact,
            activities=[places.ActivityInput(title, day, clock.fromisoformat(start), clock.fromisoformat(end))
                        for day, start, end, title in times])
        added.append(places.add_place(db.session, people[by], data, now))
    walk = next((p for p in added if p.name.startswith("Wandelgroep")), None)
    if walk is not None and "mieke@example.org" in people:
        places.add_story(db.session, people["mieke@example.org"], walk,
                         "Vorige week ben ik voor het eerst meegelopen. Ze wachten op wie wat langzamer loopt, "
                         "en na afloop drinken we koffie bij De Boog.", now)
    return len(added)


def _load_demo_pot(now) -> int:
    """Kracht van Zuilen keeps a shared pot: a subsidy, compensation for last month's help, shares, a payout."""
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    people = {n.email: n for n in db.session.scalars(sa.select(Neighbour))}
    if initiative is None or db.session.scalar(sa.select(PotTransaction.id).where(
            PotTransaction.initiative_id == initiative.id).limit(1)) is not None:
        return 0
    treasurer = people["els@example.org"]
    pot.save_settings(db.session, treasurer, initiative, mode=CompensationMode.POT, rate_per_hour_cents=400,
                      category_rates={}, rate_per_km_cents=19, rule=DistributionRule.BY_HOURS, month_end_day=1)
    today = local_today(now)
    last_month = pot_shares.previous_month(today)
    before = pot_shares.previous_month(last_month)
    pot.book_income(db.session, treasurer, initiative, TransactionKind.SUBSIDY, 50000,
                    description="Initiatievenfonds wijk Noordwest", value_date=before + timedelta(days=4),
                    key="demo:subsidy", now=now)
    pot.book_income(db.session, treasurer, initiative, TransactionKind.GIFT, 2500,
                    description="Gift van de buurtcamping", value_date=last_month + timedelta(days=11),
                    key="demo:gift", now=now)
    source = pot_ledger.account(db.session, initiative.id, AccountKind.COMPENSATIONS)
    held = pot_ledger.account(db.session, initiative.id, AccountKind.POT)
    for n, (email, minutes, title) in enumerate([
            ("ahmed@example.org", 120, "Kraan gerepareerd"), ("mieke@example.org", 60, "Boodschappen gedaan"),
            ("ahmed@example.org", 90, "Lamp opgehangen"), ("henk@example.org", 120, "Samen koffie gedronken")]):
        cents = minutes * 400 // 60
        pot_ledger.book(db.session, initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (held, cents)],
                 key=f"demo:compensation:{n}", value_date=last_month + timedelta(days=3 + 5 * n),
                 description=title, neighbour_id=people[email].id, minutes=minutes, now=now)
    pot_shares.distribute_month(db.session, initiative, last_month, now)
    pot.book_payout(db.session, treasurer, initiative, people["ahmed@example.org"], 1000,
                    description="Overgemaakt naar NL.. rekening", value_date=today, key="demo:payout", now=now)
    pot.book_spending(db.session, treasurer, initiative, 1850, description="Koffie en koek voor de buurtmiddag",
                      value_date=today, key="demo:spending", now=now)
    return db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction).where(
        PotTransaction.initiative_id == initiative.id))


def _load_demo_posts(now) -> int:
    people = {n.email: n for n in db.session.scalars(sa.select(Neighbour))}
    titles = set(db.session.scalars(sa.select(Post.title)))
    today = local_today(now)
    added = 0
    for email, kind, category, title, description, timing, when in POSTS:
        if title in titles or email not in people:
            continue
        data = PostInput(kind=PostKind(kind), category=category, title=title, description=description,
                         timing=Timing(timing), suggested_can_agree=True)  # as the form's tick for one's own ask
        if timing == "once":
            data.on_date, data.day_part = today + timedelta(days=when), P.MORNING.value
        elif timing == "weekly":
            data.weekly_slots = mask_of(when)
        else:
            data.period_start, data.period_end = today, today + timedelta(days=21)
        create_post(db.session, people[email], data, now=now)
        added += 1
    return added


@bp.cli.command("demo")
@click.option("--only-if-empty", is_flag=True, help="Do nothing when the database already has neighbours.")
def demo(only_if_empty: bool) -> None:
    """Load the demo neighbourhood (idempotent: only what is missing is added)."""
    if only_if_empty and db.session.scalar(sa.select(Neighbour.id).limit(1)) is not None:
        click.echo("the database has neighbours already; demo data not loaded")
        return
    created = load_demo()
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{n} {what} added" for what, n in created.items()))
    click.echo(f"log in as ria@example.org (coordinator) or admin@example.org (site admin), password {DEMO_PASSWORD}")


bp.cli.add_command(backup)  # `flask backup create` and `flask backup restore` (core/backup.py)
