"""What a digest holds, read from the mails the SMTP server received."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date, gettext

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.digest.content import build
from buurthulp.digest.models import DeliveryStatus
from buurthulp.digest.services import count_recipients, digest_for, send_month
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.places.services import review
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts.models import Post, PostKind
from buurthulp.pot import services as pot
from buurthulp.pot import shares as pot_shares
from buurthulp.pot.allowance import limits_for
from buurthulp.pot.models import CompensationMode, DistributionRule
from buurthulp.pot.routes import money
from buurthulp.timeutil import local_to_utc
from tests.conftest import mail_html, mail_text
from tests.digest.conftest import (
    HEADINGS,
    deliveries,
    edition,
    help_done,
    in_month,
    likes,
    month_start,
    person,
    place,
    post,
    t,
)
from tests.factories import add_member, make_initiative, make_neighbourhood


def section(text: str, locale: str, name: str) -> str:
    """The lines of one section of a digest's text part (empty if it is not there)."""
    heading = f"== {t(locale, HEADINGS[name])} =="
    if heading not in text:
        return ""
    return text.split(heading, 1)[1].split("\n== ", 1)[0].split("\n--\n", 1)[0]


def item(section_text: str, title: str) -> str:
    """One item of a section: its title line and the lines under it."""
    return section_text.split(f"- {title}", 1)[1].split("\n- ", 1)[0]


@pytest.fixture
def sent(world, smtp):
    summary = send_month(db.session, edition())
    assert summary.failed == 0
    return smtp


def test_an_ask_that_fits_appears_with_its_reasons(world, sent):
    text = mail_text(sent.digest_to("ria@example.org"))
    html = mail_html(sent.digest_to("ria@example.org"))
    asks = section(text, "en", "asks")
    # in their own neighbourhood and the one next to it, ranked: the neighbour she helped before first
    assert asks.index("- Plank ophangen") < asks.index("- Fietsband plakken")
    plank = item(asks, "Plank ophangen")
    assert t("en", "Likes to do this kind of help") in plank
    assert t("en", "You helped each other before") in plank
    assert "https://buurthulp.example/posts/" in plank
    fiets = item(asks, "Fietsband plakken")
    assert t("en", "Likes to do this kind of help") in fiets and t("en", "You helped each other before") not in fiets
    assert "Plank ophangen" in html and t("en", "Likes to do this kind of help") in html
    for other in ("Samen koken",            # a kind of help she does not like to do
                  "Schuur opruimen",        # far away, not next door
                  "Kast in elkaar zetten",  # by someone she blocked
                  ):
        assert other not in text and other not in html
    assert [a.title for a in digest_for(db.session, world.get("ria"), edition()).asks] == [
        "Plank ophangen", "Fietsband plakken"]


def test_offers_that_fit_their_open_ask(world, sent):
    text = mail_text(sent.digest_to("ria@example.org"))
    offers = section(text, "en", "offers")
    assert f"- Ik doe boodschappen ({t('en', 'for: %(ask)s', ask='Boodschappen halen')})" in offers
    assert t("en", "Offers this help right now") in item(offers, "Ik doe boodschappen")
    for other in ("Boodschappen in Everdingen",  # far away
                  "Bert doet boodschappen",      # blocked
                  "Soep voor twee"):             # not what she asks for
        assert other not in text
    # and Joost, who asks to cook together, reads about Ahmed's soup
    joost = section(mail_text(sent.digest_to("joost@example.org")), "nl", "offers")
    assert f"- Soep voor twee ({t('nl', 'for: %(ask)s', ask='Samen koken')})" in joost


def test_matches_and_thanks_of_last_month_only(world, sent):
    text = mail_text(sent.digest_to("ria@example.org"))
    assert "Lamp vervangen: " + t("en", "you helped %(name)s", name="Ahmed") in section(text, "en", "matches")
    assert '"Dank je wel voor de lamp!"' in section(text, "en", "thanks")
    assert "Dank je wel voor de lamp!" in mail_html(sent.digest_to("ria@example.org"))
    # two months ago is not last month
    assert "Heg snoeien" not in text and "Top geholpen" not in text
    ahmed = mail_text(sent.digest_to("ahmed@example.org"))
    assert "Lamp vervangen: " + t("nl", "%(name)s helped you", name="Ria") in section(ahmed, "nl", "matches")
    assert section(mail_text(sent.digest_to("kees@example.org")), "nl", "matches") == ""


def test_places_made_public_last_month_nearby(world, sent):
    text = mail_text(sent.digest_to("ria@example.org"))
    places = section(text, "en", "places")
    assert "- Buurtkamer Ondiep (" in places and "Ondiep)" in places  # next door
    for other in ("Bibliotheek Everdingen",   # far away
                  "Koffieochtend De Boog",    # public since two months
                  "Moestuin Zuilen"):         # not checked yet
        assert other not in text
    annie = mail_text(sent.digest_to("annie@example.org"))
    assert "Bibliotheek Everdingen" in annie and "Buurtkamer Ondiep" not in annie


def test_a_place_only_confirmed_last_month_is_not_new(world):
    broker = world.get("broker")
    old = place(broker, broker.neighbourhood, "Wijkcentrum Het Oude Huis", in_month(8))
    review(db.session, broker, old, "confirm", now=in_month(1))
    db.session.commit()
    names = [p.name for p in digest_for(db.session, world.get("ria"), edition()).places]
    assert "Buurtkamer Ondiep" in names
    assert "Wijkcentrum Het Oude Huis" not in names


def test_pot_received_owed_and_room(world, sent):
    text = mail_text(sent.digest_to("ria@example.org"))
    html = mail_html(sent.digest_to("ria@example.org"))
    last, before = month_start(1), month_start(2)
    with force_locale("en"):
        received = gettext("received in %(month)s: %(amount)s", month=format_date(last, "MMMM"), amount=money(500))
        owed = gettext("still to be paid to you: %(amount)s", amount=money(700))  # 5 + 5 shared out, 3 paid
        earned_this_year = 500 + (500 if before.year == last.year else 0)
        room = gettext("Tax-free room left this year, from all initiatives together: %(amount)s.",
                       amount=money(limits_for(last.year).yearly_cents - earned_this_year))
    part = section(text, "en", "pot")
    assert f"- Kracht van Zuilen: {received}; {owed}" in part
    assert room in part
    assert received in html and room in html
    assert section(mail_text(sent.digest_to("ahmed@example.org")), "nl", "pot") == ""  # no pot account


def test_each_neighbour_in_their_own_language(world, sent):
    last = month_start(1)
    ria, ahmed = sent.digest_to("ria@example.org"), sent.digest_to("ahmed@example.org")
    for msg, locale, name in ((ria, "en", "Ria"), (ahmed, "nl", "Ahmed")):
        with force_locale(locale):
            assert msg["Subject"] == gettext("Your neighbourhood in %(month)s", month=format_date(last, "MMMM"))
            greeting = gettext("Hello %(name)s,", name=name)
            footer = gettext("No more monthly mail:")
            matches = gettext(HEADINGS["matches"])
        assert mail_text(msg).startswith(greeting)
        assert footer in mail_text(msg) and matches in mail_text(msg)
        assert f'<html lang="{locale}">' in mail_html(msg)
    assert ria["Subject"] != ahmed["Subject"]


def test_empty_sections_are_left_out(world, sent):
    msg = sent.digest_to("ahmed@example.org")
    text, html = mail_text(msg), mail_html(msg)
    for name, heading in HEADINGS.items():
        shown = name in ("matches", "places")
        assert (t("nl", heading) in text) is shown, name
        assert (t("nl", heading) in html) is shown, name
    assert deliveries()[world.ids["ahmed"]].sections == "matches,places"
    assert deliveries()[world.ids["ria"]].sections == "asks,offers,matches,thanks,places,pot"


def test_nothing_to_show_means_no_mail_and_an_empty_row(world, smtp):
    summary = send_month(db.session, edition())
    assert summary.empty == 1 and summary.sent == 6
    assert "lonely@example.org" not in smtp.per_recipient()
    row = deliveries()[world.ids["lonely"]]
    assert row.status == DeliveryStatus.EMPTY and row.attempts == 0 and row.message_id == ""
    # a rerun does not look again
    assert count_recipients(db.session, edition()) == 0
    assert send_month(db.session, edition()).as_dict() == {"sent": 0, "empty": 0, "failed": 0, "uncertain": 0, "would_send": 0}
    assert sum(smtp.per_recipient().values()) == 6


def test_titles_are_escaped_in_the_html_only(world, smtp):
    post(world.get("joost"), "Tafel <b>vet</b> & stoelen")
    db.session.commit()
    send_month(db.session, edition())
    msg = smtp.digest_to("ria@example.org")
    assert "- Tafel <b>vet</b> & stoelen" in mail_text(msg)
    assert "Tafel &lt;b&gt;vet&lt;/b&gt; &amp; stoelen" in mail_html(msg)
    assert "<b>vet</b>" not in mail_html(msg)


def test_building_a_batch_takes_the_same_queries_for_5_and_50(app, count_queries):
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    treasurer = person(zuilen, "treasurer")
    add_member(kracht, treasurer, Role.TREASURER, Role.BROKER)
    pot.save_settings(db.session, treasurer, kracht, mode=CompensationMode.POT, rate_per_hour_cents=500,
                      category_rates={}, rate_per_km_cents=0, rule=DistributionRule.BY_HOURS, month_end_day=1)
    people = []
    for i in range(50):
        n = person(zuilen if i % 2 else ondiep, f"n{i}", locale="en" if i % 3 else "nl")
        likes(n, Category.ODD_JOBS if i % 2 else Category.GROCERIES)
        people.append(n)
    for i in range(0, 50, 4):
        post(people[i], f"Klus {i}")
    for i in range(1, 50, 6):
        post(people[i], f"Boodschappen {i}", Category.GROCERIES)
    for i in range(2, 50, 7):
        post(people[i], f"Ik help {i}", Category.ODD_JOBS, PostKind.OFFER)
    for helper, asker in ((0, 3), (10, 13), (21, 40), (44, 45)):
        add_member(kracht, people[helper])
        help_done(people[helper], people[asker], f"Hulp {helper}", in_month(1), thanks=f"Dank {helper}")
    moderation.block(db.session, people[1], people[4])
    place(treasurer, ondiep, "Buurtkamer", in_month(1))
    pot_shares.distribute_month(db.session, kracht, month_start(1), now=in_month(0, day=1))
    db.session.commit()
    ids = [n.id for n in people]
    db.session.expire_all()
    batch = db.session.scalars(sa.select(Neighbour).where(Neighbour.id.in_(ids)).order_by(Neighbour.id)).all()
    now = utcnow()

    with count_queries() as five:
        small = build(db.session, batch[:5], edition(), now)
    with count_queries() as fifty:
        large = build(db.session, batch, edition(), now)

    assert five.count == fifty.count, (five.statements, fifty.statements)
    # both batches had every kind of section to build
    for contents in (small, large):
        sections = {name for c in contents.values() for name in c.sections}
        assert sections == {"asks", "offers", "matches", "thanks", "places", "pot"}
    assert {i: c.sections for i, c in small.items()} == {i: large[i].sections for i in small}


def test_asks_she_already_answered_are_left_out(world):
    fiets = db.session.scalar(sa.select(Post).where(Post.title == "Fietsband plakken"))
    match_flow.respond(db.session, world.get("ria"), fiets)
    db.session.commit()
    assert [a.title for a in digest_for(db.session, world.get("ria"), edition()).asks] == ["Plank ophangen"]


def test_last_month_is_a_month_in_amsterdam(world):
    late = local_to_utc(edition() - timedelta(days=1), time(23, 30))  # the last evening of last month
    early = local_to_utc(edition(), time(0, 30))                      # this month, though still last month in UTC
    assert early.astimezone(UTC).date() < edition()
    help_done(world.get("ria"), world.get("joost"), "Laat op de avond", late, thanks="Dank voor de late hulp")
    help_done(world.get("ria"), world.get("kees"), "Net na middernacht", early, thanks="Dank voor de nacht")
    db.session.commit()
    content = digest_for(db.session, world.get("ria"), edition())
    assert [m.title for m in content.matches] == ["Lamp vervangen", "Laat op de avond"]
    assert [n.body for n in content.thanks] == ["Dank je wel voor de lamp!", "Dank voor de late hulp"]
