"""The digest's world, and a real SMTP server (aiosmtpd) that keeps what it accepted.

Dates are relative to today: the digest sent this month looks back on last month.
Everyone in the world has mail about notifications switched off, so the SMTP
server sees digests only (they are picked out by their Message-ID anyway).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_babel import force_locale, gettext

from buurthulp.accounts.models import DigestPreference, InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category
from buurthulp.digest.models import DigestDelivery
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.places.models import PlaceKind
from buurthulp.places.services import PlaceInput, add_place
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts import services as posts
from buurthulp.posts.models import PostKind
from buurthulp.pot import services as pot
from buurthulp.pot import shares as pot_shares
from buurthulp.pot.models import CompensationMode, DistributionRule
from buurthulp.timeutil import add_months, local_to_utc, local_today
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.posts.conftest import post_input
from tests.snapshots import built_once

PUBLIC_URL = "https://buurthulp.example"
SENDER_DOMAIN = "buurthulp.test"


# --- dates ---------------------------------------------------------------------------------------

def edition() -> date:
    """The digest of this month (it looks back on last month)."""
    return local_today().replace(day=1)


def month_start(months_back: int) -> date:
    return add_months(edition(), -months_back)


def in_month(months_back: int, day: int = 15, hour: int = 12) -> datetime:
    """An aware UTC moment in the middle of a month some months back."""
    return local_to_utc(month_start(months_back).replace(day=day), time(hour))


# --- words --------------------------------------------------------------------------------------

HEADINGS = {
    "asks": "Neighbours near you could use a hand",
    "offers": "Offers that fit what you asked",
    "matches": "Your matches last month",
    "thanks": "Thank-you notes for you",
    "places": "New on the neighbourhood map",
    "pot": "Your compensation",
}


def t(locale: str, text: str, **kw) -> str:
    """``text`` as the app says it in ``locale`` (the Dutch catalogue may still lack a word)."""
    with force_locale(locale):
        return gettext(text, **kw)


# --- the SMTP server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An aiosmtpd handler: keeps every accepted message, parsed; refuses the addresses in ``refuse``."""

    def __init__(self):
        self.port = 0
        self.received: list[tuple[list[str], object]] = []
        self.raw: dict[str, bytes] = {}      # Message-ID -> the bytes as they arrived
        self.refuse: dict[str, str] = {}     # address -> the reply to its RCPT TO
        self.rcpt_attempts: list[str] = []
        self.drop_after: int | None = None   # close the connection instead of accepting message k+1
        self.stall_after: int | None = None  # store message k+1, then hold back its reply until release()
        self._released = threading.Event()
        self.lock = threading.Lock()

    def release(self) -> None:
        """Let a stalled reply go (the test's client gave up on it long before)."""
        self._released.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts.append(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.drop_after is not None and len(self.received) >= self.drop_after:
                server.transport.close()  # the server goes away before it accepts the message
                return "421 going away"
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            stall = self.stall_after is not None and len(self.received) == self.stall_after
            self.received.append((list(envelope.rcpt_tos), message))
            self.raw[str(message["Message-ID"])] = envelope.content
        while stall and not self._released.is_set():  # accepted, but the reply does not come
            await asyncio.sleep(0.05)
        return "250 OK"

    def digests(self) -> list:
        """The digest mails the server accepted, oldest first."""
        return [m for _, m in self.received if str(m["Message-ID"]).startswith("<digest-")]

    def digest_to(self, address: str):
        found = [m for m in self.digests() if m["To"] == address]
        assert len(found) == 1, f"{len(found)} digests to {address}"
        return found[0]

    def per_recipient(self) -> Counter:
        return Counter(rcpt for rcpts, m in self.received if str(m["Message-ID"]).startswith("<digest-")
                       for rcpt in rcpts)


@pytest.fixture
def smtp():
    sink = SmtpSink()
    sink.port = free_port()  # aiosmtpd's Controller cannot start on port 0
    # start() waits for the server's thread to say it is ready (an event), up to ready_timeout: the default
    # 5 s is not enough on a busy machine, and a quick start does not wait longer
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, ready_timeout=60)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def config_overrides(request):
    # A generous SMTP timeout: the local sink answers at once, and a busy machine must not fail a test
    # (no test here waits for a timeout to happen).
    overrides = {"PUBLIC_URL": PUBLIC_URL, "MAIL_SENDER": f"Buurthulp <noreply@{SENDER_DOMAIN}>", "MAIL_TIMEOUT": 60}
    if "smtp" in request.fixturenames:
        sink = request.getfixturevalue("smtp")
        overrides.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False)
    return overrides


# --- making data ---------------------------------------------------------------------------------

def person(hood, name: str, **kw) -> Neighbour:
    kw.setdefault("email", f"{name}@example.org")
    kw.setdefault("notify_by_mail", False)
    return make_neighbour(hood, name=name.replace("_", " ").title(), latitude=hood.centre_lat if hood else None,
                          longitude=hood.centre_lon if hood else None, **kw)


def likes(neighbour: Neighbour, *categories: Category) -> None:
    set_interests(neighbour, InterestDirection.OFFER, list(categories))
    db.session.flush()


def post(author: Neighbour, title: str, category: Category = Category.ODD_JOBS, kind: PostKind = PostKind.ASK):
    return posts.create_post(db.session, author, post_input(kind=kind, category=category, title=title))


def help_done(helper: Neighbour, asker: Neighbour, title: str, when: datetime, thanks: str | None = None,
              minutes: int = 60):
    """``helper`` helped ``asker`` with a new ask: agreed, done and (maybe) thanked at ``when``."""
    ask = post(asker, title)
    match = match_flow.respond(db.session, helper, ask, now=when)
    match_flow.accept(db.session, asker, match, now=when)
    match_flow.mark_done(db.session, helper, match, minutes, now=when)
    match_flow.confirm_done(db.session, asker, match, now=when)
    if thanks:
        match_flow.thank(db.session, asker, match, thanks, now=when)
    return match


def place(author: Neighbour, hood, name: str, when: datetime, kind: PlaceKind = PlaceKind.COMMUNITY_CENTRE):
    return add_place(db.session, author, PlaceInput(name=name, kind=kind, neighbourhood_id=hood.id,
                                                   address="Hoofdstraat 1"), now=when)


def deliveries() -> dict[int, DigestDelivery]:
    """This month's delivery rows by neighbour id."""
    return {d.neighbour_id: d for d in db.session.scalars(
        sa.select(DigestDelivery).where(DigestDelivery.month == edition()))}


# --- the world -----------------------------------------------------------------------------------

@dataclass
class World:
    """Names to ids and addresses (plain values: ``send_month`` detaches what it loaded)."""

    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str | None] = field(default_factory=dict)
    hoods: dict[str, int] = field(default_factory=dict)
    slug: str = ""
    other_slug: str = ""

    def get(self, name: str) -> Neighbour:
        return db.session.get(Neighbour, self.ids[name])


@pytest.fixture
def world(app) -> World:
    """The digest's world (built once per test process and copied into each test's database)."""
    return built_once("digest", build_world)


def build_world() -> World:
    """Zuilen with Ondiep next to it; Everdingen far away; Lombok on its own.

    Ria (Zuilen, English) likes odd jobs and asks for groceries. Last month she helped Ahmed (agreed, done,
    thanked, paid from the pot); two months ago she helped Kees. She blocked Bert.
    """
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden", centre=(51.99, 5.165))
    lombok = make_neighbourhood("Lombok", ["3531"], centre=(52.0920, 5.1010))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    winkel = make_initiative(everdingen, name="Buurtwinkel Everdingen")

    off = {"digest": DigestPreference.OFF}
    staff = {
        "admin": person(lombok, "admin", is_admin=True, **off),
        "broker": person(zuilen, "broker", locale="en", **off),
        "coordinator": person(zuilen, "coordinator", **off),
        "treasurer": person(zuilen, "treasurer", **off),
        "other_broker": person(everdingen, "other_broker", **off),
    }
    add_member(kracht, staff["broker"], Role.BROKER)
    add_member(kracht, staff["coordinator"], Role.COORDINATOR)
    add_member(kracht, staff["treasurer"], Role.TREASURER)
    add_member(winkel, staff["other_broker"], Role.BROKER)

    ria = person(zuilen, "ria", locale="en")
    ahmed = person(zuilen, "ahmed", locale="nl")
    joost = person(ondiep, "joost")
    annie = person(everdingen, "annie", postcode="4121 AA")
    bert = person(zuilen, "bert")
    kees = person(zuilen, "kees")
    lonely = person(lombok, "lonely", postcode="3531 AA")
    likes(ria, Category.ODD_JOBS)
    add_member(kracht, ria)
    pot.save_settings(db.session, staff["treasurer"], kracht, mode=CompensationMode.POT, rate_per_hour_cents=500,
                      category_rates={}, rate_per_km_cents=0, rule=DistributionRule.BY_HOURS, month_end_day=1)

    # asks and offers, open now
    post(ria, "Boodschappen halen", Category.GROCERIES)
    post(ahmed, "Plank ophangen")                                       # fits Ria
    post(ahmed, "Soep voor twee", Category.MEALS, PostKind.OFFER)      # not what Ria asks
    post(joost, "Fietsband plakken")                                    # fits Ria, next door
    post(joost, "Samen koken", Category.MEALS)                          # Ria does not like cooking
    post(joost, "Ik doe boodschappen", Category.GROCERIES, PostKind.OFFER)  # fits Ria's ask
    post(annie, "Schuur opruimen")                                      # far away
    post(annie, "Boodschappen in Everdingen", Category.GROCERIES, PostKind.OFFER)
    post(bert, "Kast in elkaar zetten")                                 # blocked
    post(bert, "Bert doet boodschappen", Category.GROCERIES, PostKind.OFFER)
    moderation.block(db.session, ria, bert)

    # help and thanks: last month, and two months ago
    help_done(ria, ahmed, "Lamp vervangen", in_month(1), thanks="Dank je wel voor de lamp!")
    help_done(ria, kees, "Heg snoeien", in_month(2), thanks="Top geholpen, oude dank")

    # places on the living map
    place(staff["broker"], ondiep, "Buurtkamer Ondiep", in_month(1))
    place(staff["broker"], zuilen, "Koffieochtend De Boog", in_month(2), PlaceKind.COFFEE)
    place(staff["other_broker"], everdingen, "Bibliotheek Everdingen", in_month(1), PlaceKind.LIBRARY)
    place(ahmed, zuilen, "Moestuin Zuilen", in_month(1))  # not checked yet

    # the pot: compensation for both helps shared out at month end, 3 euro paid out this month
    pot_shares.distribute_month(db.session, kracht, month_start(2), now=in_month(1, day=1))
    pot_shares.distribute_month(db.session, kracht, month_start(1), now=in_month(0, day=1))
    pot.book_payout(db.session, staff["treasurer"], kracht, ria, 300, description="Overboeking",
                    value_date=local_today(), key="payout-ria")
    db.session.commit()

    w = World(slug=kracht.slug, other_slug=winkel.slug)
    for n in [*staff.values(), ria, ahmed, joost, annie, bert, kees, lonely]:
        w.ids[n.email.split("@")[0]] = n.id
        w.emails[n.email.split("@")[0]] = n.email
    w.hoods = {"zuilen": zuilen.id, "ondiep": ondiep.id, "everdingen": everdingen.id, "lombok": lombok.id}
    return w


@pytest.fixture
def crowd(app):
    """``crowd(n)``: n neighbours in Dorp, each with a new place on the map to read about; returns their addresses
    in id order."""

    def make(n: int, hood_name: str = "Dorp") -> list[str]:
        hood = make_neighbourhood(hood_name, centre=(52.2, 5.2))
        admin = person(hood, f"admin_{hood_name.lower()}", is_admin=True, digest=DigestPreference.OFF)
        place(admin, hood, f"Dorpshuis {hood_name}", in_month(1))
        people = [person(hood, f"{hood_name.lower()}_{i}") for i in range(n)]
        db.session.commit()
        return [p.email for p in people]

    return make
