"""The nearby feed: whose posts show, in what order, the filters, pages and the number of queries."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart, Weekday, mask_of
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation, services
from buurthulp.posts.models import PostKind, Timing
from buurthulp.timeutil import local_today
from tests.factories import make_neighbour
from tests.posts.conftest import post_input


@pytest.fixture
def config_overrides():
    return {"LOGIN_RATE_LIMIT": "1000 per minute", "PUBLIC_URL": "https://buurthulp.example"}


def t(msgid: str, **kw) -> str:
    """A text as the Dutch pages show it (English while the catalogue has no translation), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **kw)))


@pytest.fixture
def login(make_client):
    def login(person):
        client = make_client()
        client.login(person.email)
        return client
    return login


def post(author, title, *, at=None, **kw):
    """A post placed ``at`` a moment (default now), committed."""
    p = services.create_post(db.session, author, post_input(title=title, **kw), now=at or utcnow())
    db.session.commit()
    return p


def feed(client, query: str = "") -> str:
    response = client.get("/posts" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response.get_data(as_text=True)


CARD_TITLE = re.compile(r'class="post-title"><a href="/posts/\d+">([^<]*)</a>')


def card_facts(page: str) -> list[str]:
    """Each card's facts as text: who, then where (a distance, or the neighbourhood without a location), then when."""
    return [" ".join(re.sub(r"<[^>]+>", " ", ul).split())
            for ul in re.findall(r'<ul class="post-facts">(.*?)</ul>', page, re.S)]


def titles(page: str) -> list[str]:
    """The titles of the cards on a feed page, top to bottom."""
    return CARD_TITLE.findall(page)


# --- whose posts ----------------------------------------------------------------------------------

def test_open_posts_of_own_and_adjacent_neighbourhoods_newest_first(world, login):
    now = utcnow()
    post(world.ria, "Oudste vraag", at=now - timedelta(hours=3))
    post(world.joost, "Aanbod uit Ondiep", kind=PostKind.OFFER, at=now - timedelta(hours=2))
    post(world.annie, "Ver weg in Everdingen", at=now - timedelta(hours=1))
    post(world.ahmed, "Nieuwste vraag", at=now - timedelta(minutes=5))

    assert titles(feed(login(world.ahmed))) == ["Nieuwste vraag", "Aanbod uit Ondiep", "Oudste vraag"]
    # Ondiep lies next to Zuilen, so Joost sees Zuilen; Everdingen sees only itself
    assert titles(feed(login(world.joost))) == ["Nieuwste vraag", "Aanbod uit Ondiep", "Oudste vraag"]
    assert titles(feed(login(world.annie))) == ["Ver weg in Everdingen"]


def test_posts_placed_at_the_same_moment_keep_a_stable_order(world, login):
    now = utcnow()
    first = post(world.ria, "Eerste", at=now)
    second = post(world.ria, "Tweede", at=now)
    assert second.id > first.id
    assert titles(feed(login(world.ahmed))) == ["Tweede", "Eerste"]


def test_posts_that_are_not_open_are_not_shown(world, login, make_post):
    post(world.ria, "Open vraag")
    closed = post(world.ria, "Gesloten vraag")
    services.close_post(db.session, world.ria, closed)
    hidden = post(world.ria, "Verborgen vraag")
    moderation.hide_post(db.session, world.broker, hidden)
    expired = post(world.ria, "Verlopen vraag", expiry_days=7)
    services.expire_posts(db.session, expired.expires_at)
    past_date = post(world.ria, "Over datum, job nog niet gedraaid")
    past_date.expires_at = utcnow() - timedelta(minutes=1)
    matched = post(world.ria, "Vraag met afspraak")
    match_flow.accept(db.session, world.ria, match_flow.respond(db.session, world.joost, matched))
    db.session.commit()

    assert titles(feed(login(world.ahmed))) == ["Open vraag"]


def test_blocked_people_do_not_see_each_others_posts(world, login):
    post(world.ria, "Vraag van Ria")
    post(world.ahmed, "Aanbod van Ahmed", kind=PostKind.OFFER)
    moderation.block(db.session, world.ahmed, world.ria)
    db.session.commit()
    assert titles(feed(login(world.ria))) == ["Vraag van Ria"]
    assert titles(feed(login(world.ahmed))) == ["Aanbod van Ahmed"]
    assert sorted(titles(feed(login(world.joost)))) == ["Aanbod van Ahmed", "Vraag van Ria"]


# --- filters --------------------------------------------------------------------------------------

def test_filter_by_kind_and_category(world, login):
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    post(world.ria, "Soep koken", category=Category.MEALS)
    post(world.joost, "Ik kook graag", kind=PostKind.OFFER, category=Category.MEALS)
    ahmed = login(world.ahmed)
    assert sorted(titles(feed(ahmed, "?kind=ask"))) == ["Plank ophangen", "Soep koken"]
    assert titles(feed(ahmed, "?kind=offer")) == ["Ik kook graag"]
    assert sorted(titles(feed(ahmed, "?category=maaltijden"))) == ["Ik kook graag", "Soep koken"]
    assert titles(feed(ahmed, "?kind=ask&category=maaltijden")) == ["Soep koken"]
    assert sorted(titles(feed(ahmed, "?kind=&category=&distance=&when="))) == [
        "Ik kook graag", "Plank ophangen", "Soep koken"]


def test_filter_by_distance_and_show_a_distance_instead_of_an_address(world, login):
    # Joost lives at Ondiep's centre, about 1045 m from Zuilen's centre where Ria lives.
    neighbour_of_joost = make_neighbour(world.ondiep, name="Fatima", latitude=world.joost.latitude + 0.002,
                                        longitude=world.joost.longitude)  # about 220 m north of Joost
    nowhere_known = make_neighbour(world.zuilen, name="Wim")  # no location at all
    db.session.commit()
    post(world.ria, "Plank ophangen", private_details="Kerkweg 12")
    post(neighbour_of_joost, "Fiets maken")
    post(nowhere_known, "Koffie drinken")
    joost = login(world.joost)

    page = feed(joost)
    assert sorted(titles(page)) == ["Fiets maken", "Koffie drinken", "Plank ophangen"]
    facts = card_facts(page)
    assert any(re.match(r"Ria ± 1(,0)? km ", f) for f in facts), f"distance instead of an address: {facts}"
    assert any(f.startswith("Fatima ± 200 m ") for f in facts)
    assert any(f.startswith("Wim Zuilen ") for f in facts)  # no location: the neighbourhood's name
    assert "Kerkweg" not in page

    assert titles(feed(joost, "?distance=500")) == ["Fiets maken"]
    assert titles(feed(joost, "?distance=1000")) == ["Fiets maken"]
    assert sorted(titles(feed(joost, "?distance=2000"))) == ["Fiets maken", "Plank ophangen"]


def test_the_distance_filter_is_ignored_for_a_viewer_without_location(world, login):
    post(world.ria, "Plank ophangen")
    world.ahmed.latitude = world.ahmed.longitude = None
    db.session.commit()
    ahmed = login(world.ahmed)
    page = feed(ahmed, "?distance=500")
    assert titles(page) == ["Plank ophangen"]
    assert any(f.startswith("Ria Zuilen ") for f in card_facts(page))


def test_filter_by_when(world, login):
    today = local_today()
    post(world.ria, "Over drie dagen", timing=Timing.ONCE, on_date=today + timedelta(days=3),
         day_part=DayPart.MORNING.value)
    post(world.ria, "Over tien dagen", timing=Timing.ONCE, on_date=today + timedelta(days=10))
    post(world.ria, "Komende twee weken", period_start=today, period_end=today + timedelta(days=14))
    post(world.ria, "Pas over drie weken", period_start=today + timedelta(days=20),
         period_end=today + timedelta(days=25))
    post(world.ria, "Elke dinsdag", timing=Timing.WEEKLY, weekly_slots=mask_of([(Weekday.TUESDAY, DayPart.MORNING)]))
    ahmed = login(world.ahmed)
    assert sorted(titles(feed(ahmed, "?when=7"))) == ["Elke dinsdag", "Komende twee weken", "Over drie dagen"]
    assert sorted(titles(feed(ahmed, "?when=30"))) == [
        "Elke dinsdag", "Komende twee weken", "Over drie dagen", "Over tien dagen", "Pas over drie weken"]


NONSENSE = {"kind": ["both", "ASK", "<script>", "1" * 500], "category": ["ramen-lappen", "Klussen", "%00x", "é"],
            "distance": ["3", "-500", "1e9", "500.0", "veel"], "when": ["365", "0", "-7", "week", "7 "]}


@pytest.mark.parametrize("name,value", [(name, value) for name, values in NONSENSE.items() for value in values])
def test_a_filter_value_that_is_not_a_choice_falls_back_to_all(world, login, name, value):
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    post(world.joost, "Ik kook graag", kind=PostKind.OFFER, category=Category.MEALS)
    page = feed(login(world.ahmed), "?" + urlencode({name: value}))
    assert sorted(titles(page)) == ["Ik kook graag", "Plank ophangen"]
    # the form shows the filter as "all", and the nonsense is not written back into the page
    assert re.search(rf'<select[^>]*name="{name}"[^>]*>\s*<option selected value="">', page), name
    assert t("Nothing matches these filters. Try a wider distance or another kind of help, or clear the filters.") \
        not in page


def test_nonsense_in_one_filter_keeps_the_others(world, login):
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    post(world.ria, "Soep koken", category=Category.MEALS)
    post(world.joost, "Ik kook graag", kind=PostKind.OFFER, category=Category.MEALS)
    ahmed = login(world.ahmed)
    # each nonsense value is "all"; the sensible ones still filter
    assert sorted(titles(feed(ahmed, "?kind=both&category=maaltijden&distance=3&when=week"))) == [
        "Ik kook graag", "Soep koken"]
    assert sorted(titles(feed(ahmed, "?kind=ask&category=ramen-lappen&when=365"))) == ["Plank ophangen", "Soep koken"]


def test_a_kind_of_help_the_initiative_hides_falls_back_to_all(world, login):
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    world.initiative.hidden_categories = Category.MEALS.value  # the only initiative in Zuilen
    db.session.commit()
    assert titles(feed(login(world.ahmed), "?category=maaltijden")) == ["Plank ophangen"]


# --- pages and empty states -----------------------------------------------------------------------

def test_25_posts_make_two_pages(world, login):
    now = utcnow()
    for i in range(25):
        post(world.ria, f"Vraag {i:02d}", at=now - timedelta(minutes=100 - i))
    ahmed = login(world.ahmed)

    first = feed(ahmed)
    assert titles(first) == [f"Vraag {i:02d}" for i in range(24, 4, -1)]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert t("Page %(page)d of %(pages)d", page=1, pages=2) in first

    second = feed(ahmed, "?page=2")
    assert titles(second) == [f"Vraag {i:02d}" for i in range(4, -1, -1)]
    assert 'rel="prev"' in second and 'rel="next"' not in second

    assert titles(feed(ahmed, "?page=3")) == []
    assert titles(feed(ahmed, "?page=0")) == titles(first)
    assert ahmed.get("/posts?page=abc").status_code == 400  # as on every list (buurthulp.input.page_arg)


def test_filters_are_kept_when_turning_the_page(world, login):
    for i in range(22):
        post(world.ria, f"Maaltijd {i:02d}", category=Category.MEALS)
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    page = feed(login(world.ahmed), "?category=maaltijden")
    link = re.search(r'<a href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "category=maaltijden" in link and "page=2" in link
    assert sorted(titles(feed(login(world.ahmed), link[len("/posts"):]))) == ["Maaltijd 00", "Maaltijd 01"]


def test_an_empty_feed_invites_to_ask_or_offer(world, login):
    page = feed(login(world.ahmed))
    assert titles(page) == []
    assert t("There are no open asks or offers nearby yet. Be the first: ask for something small, "
             "or offer what you like to do.") in page
    assert "/posts/new?kind=ask" in page and "/posts/new?kind=offer" in page


def test_no_results_for_a_filter_says_so(world, login):
    post(world.ria, "Plank ophangen", category=Category.ODD_JOBS)
    page = feed(login(world.ahmed), "?category=vervoer")
    assert titles(page) == []
    assert t("Nothing matches these filters. Try a wider distance or another kind of help, or clear the filters.") \
        in page


def test_a_neighbour_without_a_neighbourhood_is_asked_to_choose_one(world, login):
    post(world.ria, "Plank ophangen")
    somebody = make_neighbour(None, email="somebody@example.org")
    db.session.commit()
    page = feed(login(somebody))
    assert titles(page) == []
    assert t("Choose your neighbourhood on your profile first.") in page


# --- queries --------------------------------------------------------------------------------------

def test_the_feed_takes_the_same_number_of_queries_for_3_and_40_posts(world, login, count_queries):
    hoods = [world.zuilen, world.ondiep]
    authors = [make_neighbour(hoods[i % 2], name=f"Auteur {i}", latitude=52.10 + i / 1000, longitude=5.09)
               for i in range(8)]
    authors.append(make_neighbour(world.zuilen, name="Zonder plek"))
    db.session.commit()
    author_ids = [a.id for a in authors]
    viewer = login(world.ahmed)
    kinds, categories = list(PostKind), list(Category)

    def add_posts(start, stop):
        for i in range(start, stop):
            author = db.session.get(Neighbour, author_ids[i % len(author_ids)])
            post(author, f"Post {i}", kind=kinds[i % 2], category=categories[i % len(categories)])

    def queries_for_feed(query=""):
        db.session.expunge_all()
        with count_queries() as q:
            page = feed(viewer, query)
        return q.count, titles(page)

    add_posts(0, 3)
    few, shown = queries_for_feed()
    assert len(shown) == 3

    add_posts(3, 40)
    many, shown = queries_for_feed()
    assert len(shown) == 20
    assert many == few
    many_page_2, shown = queries_for_feed("?page=2")
    assert len(shown) == 20 and many_page_2 == few
