"""The living map through its pages: adding, the list and its filters, a place's page, "ga mee", the map,
the check queue, stories and flags, the broker's referral to a place, and a constant number of queries."""

from __future__ import annotations

import re
from datetime import time, timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date

from buurthulp.accounts.models import Neighbour
from buurthulp.broker.models import Referral
from buurthulp.categories import Category
from buurthulp.extensions import db
from buurthulp.places import services
from buurthulp.places.models import Place, PlaceActivity, PlaceFlag, PlaceKind, PlaceStatus, Story
from buurthulp.places.services import ActivityInput
from buurthulp.posts import moderation
from buurthulp.posts import services as posts
from buurthulp.posts.models import Post, PostLocation
from buurthulp.timeutil import local_today
from tests.places.conftest import nl, place_input, text, walking_group
from tests.posts.conftest import post_input

STORY = "Ik ben er vorige week met de buurvrouw geweest; de koffie is goed."
TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def goes_to(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == path


def place_form(pw, **kw) -> dict:
    data = {"name": "Wandelgroep langs de Vecht", "kind": "walking", "neighbourhood_id": str(pw.zuilen.id),
            "address": "", "where_note": "Verzamelen bij de brug", "opening_hours": "", "contact": "06 12345678",
            "description": "Rustig tempo, iedereen welkom.", "latitude": "", "longitude": ""}
    data.update(kw)
    return data


def post_form(**kw) -> dict:
    today = local_today()
    data = {"kind": "ask", "category": "gezelschap", "title": "Wie gaat er mee wandelen?", "description": "",
            "private_details": "", "timing": "flexible", "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=14)).isoformat(), "duration_minutes": "60",
            "place": "home_area", "expiry_days": "30"}
    data.update(kw)
    return data


def names_in(page: str, candidates) -> set[str]:
    return {name for name in candidates if f">{name}</a>" in page}


# --- adding through the form --------------------------------------------------------------------

def test_a_neighbour_adds_a_place_with_activity_times(client, pw):
    client.login("ria@example.org")
    page = client.get("/places/new")
    assert page.status_code == 200
    assert f'<option selected value="{pw.zuilen.id}">' in text(page)  # her own neighbourhood to start with
    response = client.post("/places/new", place_form(pw, **{
        "activities-0-title": "Wandelen", "activities-0-weekday": "1", "activities-0-starts_at": "10:00",
        "activities-0-ends_at": "11:30",
        "activities-2-title": "Koffie na", "activities-2-weekday": "0", "activities-2-starts_at": "09:15",
    }))
    place = db.session.scalar(sa.select(Place))
    assert goes_to(response, f"/places/{place.id}")
    assert place.status == PlaceStatus.PENDING and place.author_id == pw.ria.id
    assert place.kind == PlaceKind.WALKING and place.neighbourhood_id == pw.zuilen.id
    assert place.where_note == "Verzamelen bij de brug" and place.latitude is None
    # Monday (0) first; the empty rows are left out
    assert [(a.title, a.weekday, a.starts_at, a.ends_at) for a in place.activities] == [
        ("Koffie na", 0, time(9, 15), None), ("Wandelen", 1, time(10, 0), time(11, 30))]
    page = text(client.get(f"/places/{place.id}"))
    assert nl("Thank you! A broker or coordinator of the neighbourhood checks it; then everyone can see it.") in page
    assert nl("This place waits for a check by a broker or coordinator of the neighbourhood. "
              "Until then only you and they can see it.") in page
    assert "10:00–11:30: Wandelen" in page


def test_a_reviewers_place_is_on_the_map_at_once(client, pw):
    client.login("coordinator@example.org")
    response = client.post("/places/new", place_form(pw, neighbourhood_id=str(pw.ondiep.id), latitude="52,1021",
                                                     longitude="5.1003"))
    place = db.session.scalar(sa.select(Place))
    assert goes_to(response, f"/places/{place.id}") and place.status == PlaceStatus.PUBLIC
    assert (place.latitude, place.longitude) == (52.1021, 5.1003)  # a Dutch comma is fine
    assert nl("The place is on the map.") in text(client.get(f"/places/{place.id}"))


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "Fill in the name of the place or activity."),
    ({"name": "   "}, "Fill in the name of the place or activity."),
    ({"name": "x" * 121}, "Use at most %(n)d characters."),
    ({"address": "", "where_note": ""}, "Fill in an address, or describe where it is."),
    ({"kind": ""}, "Choose what kind of place or activity it is."),
    ({"latitude": "52,1"}, "A point on the map needs both coordinates."),
    ({"longitude": "5,1"}, "A point on the map needs both coordinates."),
    ({"latitude": "48.85", "longitude": "2.35"}, "That point is not in the Netherlands."),
    ({"latitude": "52.1", "longitude": "9.5"}, "That point is not in the Netherlands."),
    ({"activities-0-title": "Koffie", "activities-0-weekday": "2", "activities-0-starts_at": "10:00",
      "activities-0-ends_at": "09:00"}, "An activity ends after it starts."),
    ({"activities-0-title": "Koffie", "activities-0-starts_at": "10:00"}, "Choose the day."),
    ({"activities-0-title": "Koffie", "activities-0-weekday": "2"}, "Fill in the starting time."),
])
def test_bad_input_gets_a_clear_message_and_a_400(client, pw, changes, message):
    client.login("ria@example.org")
    response = client.post("/places/new", place_form(pw, **changes))
    assert response.status_code == 400
    assert nl(message, n=120) in text(response)
    assert count(Place) == 0


@pytest.mark.parametrize("changes", [
    {"kind": "castle"}, {"neighbourhood_id": "999999"}, {"neighbourhood_id": "abc"}, {"latitude": "abc"},
    {"latitude": "nan", "longitude": "5.1"}, {"activities-0-weekday": "7", "activities-0-starts_at": "10:00"},
    {"activities-0-weekday": "1", "activities-0-starts_at": "25:00"},
])
def test_garbage_is_refused(client, pw, changes):
    client.login("ria@example.org")
    assert client.post("/places/new", place_form(pw, **changes)).status_code == 400
    assert client.post("/places/new", place_form(pw), csrf=False).status_code == 400
    assert count(Place) == 0


def test_the_error_summary_names_an_activitys_problem_in_words(client, pw):
    client.login("ria@example.org")
    page = text(client.post("/places/new", place_form(pw, **{"activities-0-starts_at": "10:00"})))
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert nl("Choose the day.") in summary
    assert "{" not in summary and "&#39;weekday&#39;" not in summary


def test_the_author_changes_a_pending_place_through_the_form(client, pw, make_place):
    place = make_place(PlaceStatus.PENDING, activities=walking_group())
    client.login("ria@example.org")
    page = text(client.get(f"/places/{place.id}/edit"))
    assert 'value="Wandelgroep"' in page and 'value="10:00"' in page  # the activity rows are filled in
    response = client.post(f"/places/{place.id}/edit", place_form(pw, name="De Boog", **{
        "activities-0-title": "Wandelgroep", "activities-0-weekday": "3", "activities-0-starts_at": "14:00"}))
    assert goes_to(response, f"/places/{place.id}")
    db.session.refresh(place)
    assert place.name == "De Boog" and place.status == PlaceStatus.PENDING
    assert [(a.weekday, a.starts_at) for a in place.activities] == [(3, time(14, 0))]
    assert client.post(f"/places/{place.id}/edit", place_form(pw, name="")).status_code == 400
    db.session.refresh(place)
    assert place.name == "De Boog"


# --- the list -----------------------------------------------------------------------------------

@pytest.fixture
def spread(pw, make_place):
    """Places of two kinds in Zuilen, Ondiep and Everdingen."""
    make_place(name="Wandelclub Zuilen", kind=PlaceKind.WALKING)
    make_place(name="Ommetje Ondiep", kind=PlaceKind.WALKING, hood=pw.ondiep, description="Elke week een rondje")
    make_place(name="Koffie in de kerk", kind=PlaceKind.COFFEE, where_note="Achter de Triumfatorkerk",
               address="")
    make_place(name="Bieb Everdingen", kind=PlaceKind.LIBRARY, hood=pw.everdingen, author=pw.annie)
    make_place(name="Wandelen Everdingen", kind=PlaceKind.WALKING, hood=pw.everdingen, author=pw.annie)


ALL = {"Wandelclub Zuilen", "Ommetje Ondiep", "Koffie in de kerk", "Bieb Everdingen", "Wandelen Everdingen"}


def test_the_list_is_grouped_by_kind_and_neighbourhood(client, pw, spread):
    client.login("ria@example.org")
    page = text(client.get("/places/?area=all"))
    headings = re.findall(r"<h([23])[^>]*>([^<]+)</h\1>", page)
    with force_locale("nl"):
        coffee, library, walking = (str(PlaceKind(k).label) for k in ("coffee", "library", "walking"))
    kinds = [str(label) for level, label in headings if level == "2" and label in (coffee, library, walking)]
    assert sorted(kinds) == sorted([coffee, library, walking]) and len(kinds) == 3
    walking_part = page[page.index(f">{walking}</h2>"):]
    walking_part = walking_part[:walking_part.index("</section>")]
    hoods = re.findall(r"<h3>([^<]+)</h3>", walking_part)
    assert hoods == ["Everdingen", "Ondiep", "Zuilen"]
    assert walking_part.index("Wandelen Everdingen") < walking_part.index("Ommetje Ondiep") < walking_part.index(
        "Wandelclub Zuilen")
    assert "Koffie in de kerk" not in walking_part


@pytest.mark.parametrize("query, expected", [
    ("", {"Wandelclub Zuilen", "Ommetje Ondiep", "Koffie in de kerk"}),  # near me: Zuilen and Ondiep
    ("area=", {"Wandelclub Zuilen", "Ommetje Ondiep", "Koffie in de kerk"}),
    ("area=all", ALL),
    ("area=everdingen", {"Bieb Everdingen", "Wandelen Everdingen"}),
    ("area=ondiep", {"Ommetje Ondiep"}),
    ("kind=walking", {"Wandelclub Zuilen", "Ommetje Ondiep"}),
    ("kind=walking&area=all", {"Wandelclub Zuilen", "Ommetje Ondiep", "Wandelen Everdingen"}),
    ("q=WANDEL&area=all", {"Wandelclub Zuilen", "Wandelen Everdingen"}),  # the name, any case
    ("q=rondje", {"Ommetje Ondiep"}),  # the description
    ("q=triumfator", {"Koffie in de kerk"}),  # where it is
    ("q=bieb", set()),  # not near Ria
    ("q=nergens&area=all", set()),
])
def test_filters_and_search(client, pw, spread, query, expected):
    client.login("ria@example.org")
    response = client.get(f"/places/?{query}")
    assert response.status_code == 200
    assert names_in(text(response), ALL) == expected
    if not expected:
        assert nl("No places found.") in text(response)


def test_near_me_is_the_own_neighbourhood_and_the_ones_next_to_it(client, make_client, pw, spread):
    client.login("annie@example.org")
    assert names_in(text(client.get("/places/")), ALL) == {"Bieb Everdingen", "Wandelen Everdingen"}
    joost = make_client()
    joost.login("joost@example.org")  # Ondiep is next to Zuilen
    assert names_in(text(joost.get("/places/")), ALL) == {"Wandelclub Zuilen", "Ommetje Ondiep", "Koffie in de kerk"}
    admin = make_client()
    admin.login("admin@example.org")  # no neighbourhood: everywhere
    assert names_in(text(admin.get("/places/")), ALL) == ALL


def test_search_takes_percent_and_underscore_literally(client, pw, make_place):
    make_place(name="100% gezond")
    make_place(name="1000 gezond")
    make_place(name="Koffie_uur")
    make_place(name="Koffie uur")
    make_place(name="Koffiezuur")
    candidates = {"100% gezond", "1000 gezond", "Koffie_uur", "Koffie uur", "Koffiezuur"}
    client.login("ria@example.org")
    assert names_in(text(client.get("/places/?q=%25")), candidates) == {"100% gezond"}
    assert names_in(text(client.get("/places/?q=0%25+g")), candidates) == {"100% gezond"}
    assert names_in(text(client.get("/places/?q=e_u")), candidates) == {"Koffie_uur"}
    assert names_in(text(client.get("/places/?q=_")), candidates) == {"Koffie_uur"}
    assert names_in(text(client.get("/places/?q=%5C")), candidates) == set()  # a backslash, too


@pytest.mark.parametrize("query", ["kind=castle", "area=atlantis", "page=abc", "q=" + "x" * 101])
def test_bad_filters_are_a_400(client, pw, query):
    client.login("ria@example.org")
    assert client.get(f"/places/?{query}").status_code == 400


def test_a_huge_page_number_is_not_a_server_error(client, pw):
    client.login("ria@example.org")
    assert client.get("/places/?page=99999999999999999999").status_code in (200, 400)


def test_a_too_long_search_says_what_is_wrong(client, pw):
    client.login("ria@example.org")
    response = client.get("/places/?q=" + "x" * 101)
    assert response.status_code == 400 and nl("Use at most %(n)d characters.", n=100) in text(response)


def test_pagination(client, pw):
    for i in range(61):
        db.session.add(Place(name=f"Plek {i:02d}", kind=PlaceKind.OTHER, neighbourhood_id=pw.zuilen.id,
                             address="Straat 1", status=PlaceStatus.PUBLIC, author_id=pw.broker.id))
    db.session.commit()
    client.login("ria@example.org")
    first = text(client.get("/places/?kind=other"))
    assert len(re.findall(r">Plek \d\d</a>", first)) == 60 and "Plek 59" in first and "Plek 60" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "kind=other" in next_url and "page=2" in next_url  # the filters stay
    second = text(client.get(next_url))
    assert re.findall(r">(Plek \d\d)</a>", second) == ["Plek 60"]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/places/?page=0").status_code == 200


# --- one place ----------------------------------------------------------------------------------

def test_a_place_page_shows_the_coming_activity_times(client, pw):
    today = local_today()
    place = services.add_place(db.session, pw.broker, place_input(pw.zuilen, activities=[
        ActivityInput("Koffieochtend", today.weekday(), time(9, 30), time(11, 0)),
        ActivityInput("Samen eten", (today.weekday() + 3) % 7, time(18, 0))]))
    db.session.commit()
    client.login("joost@example.org")
    page = text(client.get(f"/places/{place.id}")).replace("\u00a0", " ")
    with force_locale("nl"):
        days = [format_date(today + timedelta(days=d), "EEEE d MMMM") for d in (0, 3, 7, 10)]
        too_late = format_date(today + timedelta(days=14), "EEEE d MMMM")
    assert f"{days[0]}, 09:30–11:00: Koffieochtend" in page
    assert f"{days[1]}, 18:00: Samen eten" in page
    assert f"{days[2]}, 09:30–11:00: Koffieochtend" in page and f"{days[3]}, 18:00: Samen eten" in page
    assert f"{too_late}, 09:30" not in page
    assert page.index(days[0]) < page.index(days[1]) < page.index(days[2]) < page.index(days[3])


def test_stories_through_the_pages(client, make_client, pw, make_place):
    place = make_place()
    client.login("ahmed@example.org")
    assert goes_to(client.post(f"/places/{place.id}/stories", {"body": STORY}), f"/places/{place.id}")
    assert STORY in text(client.get(f"/places/{place.id}"))
    short = client.post(f"/places/{place.id}/stories", {"body": "Leuk"})
    assert short.status_code == 400 and nl("Use between 10 and 1000 characters.") in text(short)
    empty = client.post(f"/places/{place.id}/stories", {"body": "   "})
    assert empty.status_code == 400 and nl("Write your story first.") in text(empty)
    assert count(Story) == 1
    story = db.session.scalar(sa.select(Story))
    # Joost cannot remove Ahmed's story; a broker hides it; Ahmed removes his own
    joost = make_client()
    joost.login("joost@example.org")
    remove = f"/places/{place.id}/stories/{story.id}/remove"
    assert joost.post(remove, {"action": "remove"}).status_code == 403
    broker = make_client()
    broker.login("broker@example.org")
    assert goes_to(broker.post(remove, {"action": "remove"}), f"/places/{place.id}")
    db.session.refresh(story)
    assert story.hidden_at is not None
    assert STORY not in text(joost.get(f"/places/{place.id}"))
    assert STORY in text(broker.get(f"/places/{place.id}"))  # marked hidden
    assert goes_to(client.post(remove, {"action": "remove"}), f"/places/{place.id}")
    assert count(Story) == 0
    assert client.post(f"/places/{place.id}/stories/999999/remove", {"action": "remove"}).status_code == 404


def test_a_story_on_another_place_cannot_be_removed_through_this_one(client, pw, make_place):
    one, other = make_place(name="Een"), make_place(name="Ander")
    story = services.add_story(db.session, pw.ahmed, other, STORY)
    db.session.commit()
    client.login("ahmed@example.org")
    assert client.post(f"/places/{one.id}/stories/{story.id}/remove", {"action": "remove"}).status_code == 404
    assert count(Story) == 1


def test_a_flag_reaches_the_reviewers_and_a_check_resolves_it(client, make_client, pw, make_place):
    place = make_place(name="De Boog")
    client.login("joost@example.org")
    assert goes_to(client.post(f"/places/{place.id}/flag", {"note": "Verhuisd naar de Bieb"}), f"/places/{place.id}")
    empty = client.post(f"/places/{place.id}/flag", {"note": ""})
    assert empty.status_code == 400 and nl("Say briefly what is no longer right.") in text(empty)
    assert "Verhuisd naar de Bieb" not in text(client.get(f"/places/{place.id}"))  # for the reviewers
    broker = make_client()
    broker.login("broker@example.org")
    assert "Verhuisd naar de Bieb" in text(broker.get(f"/places/{place.id}"))
    queue = text(broker.get("/places/check"))
    assert nl("Flagged by neighbours") in queue and "De Boog" in queue
    response = broker.post(f"/places/{place.id}/review", {"action": "confirm", "next": "/places/check"})
    assert goes_to(response, "/places/check")
    assert count(PlaceFlag, PlaceFlag.resolved_at.is_(None)) == 0
    assert "De Boog" not in text(broker.get("/places/check"))


def test_checking_from_the_queue(client, pw, make_place):
    pending = make_place(PlaceStatus.PENDING, name="Naaicafé")
    stale = make_place(name="Oude bieb")
    stale.confirmed_at = stale.confirmed_at - timedelta(days=200)
    db.session.commit()
    client.login("coordinator@example.org")
    queue = text(client.get("/places/check"))
    assert "Naaicafé" in queue and "Oude bieb" in queue and nl("Not checked for six months") in queue
    assert goes_to(client.post(f"/places/{pending.id}/review", {"action": "approve", "next": "/places/check"}),
                   "/places/check")
    # any other "next" is not followed
    assert goes_to(client.post(f"/places/{stale.id}/review", {"action": "confirm", "next": "https://evil.example/"}),
                   f"/places/{stale.id}")
    assert client.post(f"/places/{stale.id}/review", {"action": "destroy"}).status_code == 400
    assert client.post(f"/places/{stale.id}/review", {"action": ""}).status_code == 400
    db.session.refresh(pending)
    db.session.refresh(stale)
    assert pending.status == stale.status == PlaceStatus.PUBLIC
    assert nl("Everything is up to date.") in text(client.get("/places/check"))
    assert goes_to(client.post(f"/places/{stale.id}/review", {"action": "hide"}), f"/places/{stale.id}")
    db.session.refresh(stale)
    assert stale.status == PlaceStatus.HIDDEN


def test_the_broker_queue_counts_the_places_to_check(client, pw, make_place):
    make_place(PlaceStatus.PENDING)
    make_place(PlaceStatus.PENDING, name="Tweede")
    client.login("broker@example.org")
    page = text(client.get("/broker/kracht-van-zuilen"))
    assert re.search(r'href="/places/check">[^<]*<span class="badge">2</span>', page)


# --- user text is escaped -----------------------------------------------------------------------

def test_user_text_is_escaped(client, make_client, pw, make_place):
    client.login("ria@example.org")
    assert client.post("/places/new", place_form(pw, name="<script>alert(1)</script>", where_note="<b>hier</b>",
                                                 description="<img src=x onerror=alert(2)>")).status_code == 302
    place = db.session.scalar(sa.select(Place))
    coordinator = make_client()
    coordinator.login("coordinator@example.org")
    queue = text(coordinator.get("/places/check"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue and "<script>alert" not in queue
    coordinator.post(f"/places/{place.id}/review", {"action": "approve"})
    assert coordinator.post(f"/places/{place.id}/stories",
                            {"body": "<script>alert(3)</script> was echt leuk"}).status_code == 302
    assert coordinator.post(f"/places/{place.id}/flag", {"note": "<i>weg</i>"}).status_code == 302
    for who, url in [(client, f"/places/{place.id}"), (client, "/places/"), (coordinator, f"/places/{place.id}")]:
        page = text(who.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>hier" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = text(coordinator.get(f"/places/{place.id}"))
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page and "&lt;i&gt;weg&lt;/i&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<i>weg" not in page


# --- "ga mee" -----------------------------------------------------------------------------------

def test_ga_mee_from_a_place(client, make_client, pw, make_place):
    place = make_place(name="Wandelgroep Zuilen", activities=walking_group())
    client.login("joost@example.org")
    page = text(client.get(f"/places/{place.id}"))
    ask_link = f"/posts/new?kind=ask&amp;category=gezelschap&amp;place_id={place.id}"
    assert ask_link in page and f"/posts/new?kind=offer&amp;category=gezelschap&amp;place_id={place.id}" in page
    form = text(client.get(ask_link.replace("&amp;", "&")))
    assert f'name="place_id" type="hidden" value="{place.id}"' in form
    assert nl("Going along to %(place)s: your post is about company, and links to the place.",
              place="Wandelgroep Zuilen") in form
    response = client.post("/posts/new", post_form(place_id=str(place.id), category="klussen"))
    post = db.session.scalar(sa.select(Post))
    assert goes_to(response, f"/posts/{post.id}")
    assert post.place_id == place.id and post.category == Category.COMPANY  # forced to company
    assert post.place == PostLocation.ELSEWHERE and post.place_note == "Wandelgroep Zuilen"
    detail = text(client.get(f"/posts/{post.id}"))
    assert f'<a href="/places/{place.id}">Wandelgroep Zuilen</a>' in detail
    ria = make_client()
    ria.login("ria@example.org")
    assert f'<a href="/posts/{post.id}">Wie gaat er mee wandelen?</a>' in text(ria.get(f"/places/{place.id}"))
    # an offer, too
    assert client.post("/posts/new", post_form(kind="offer", title="Ik neem iemand mee",
                                               place_id=str(place.id))).status_code == 302
    assert "Ik neem iemand mee" in text(ria.get(f"/places/{place.id}"))


def test_a_closed_ga_mee_post_leaves_the_place_page(client, pw, make_place):
    place = make_place()
    post = posts.create_post(db.session, pw.joost, post_input(place_id=place.id, title="Wie gaat mee?"))
    db.session.commit()
    client.login("ria@example.org")
    assert "Wie gaat mee?" in text(client.get(f"/places/{place.id}"))
    posts.close_post(db.session, pw.joost, post)
    db.session.commit()
    assert "Wie gaat mee?" not in text(client.get(f"/places/{place.id}"))


@pytest.mark.parametrize("status", [PlaceStatus.PENDING, PlaceStatus.HIDDEN, None])
def test_ga_mee_to_a_place_that_is_not_public_is_refused(client, pw, make_place, status):
    place_id = make_place(status).id if status else 999_999
    client.login("ria@example.org")  # even the author of the pending place
    form = text(client.get(f"/posts/new?kind=ask&category=gezelschap&place_id={place_id}"))
    assert "Going along to" not in form and nl("Going along to %(place)s: your post is about company, and links "
                                               "to the place.", place="Buurthuis De Boog") not in form
    response = client.post("/posts/new", post_form(place_id=str(place_id)))
    assert response.status_code == 400
    assert nl("This place is not on the map (any more).") in text(response)
    assert count(Post) == 0


def test_editing_a_ga_mee_post_keeps_the_place_and_company(client, pw, make_place):
    place = make_place()
    other = make_place(name="Ander")
    post = posts.create_post(db.session, pw.joost, post_input(place_id=place.id))
    db.session.commit()
    client.login("joost@example.org")
    response = client.post(f"/posts/{post.id}/edit", post_form(category="klussen", place_id=str(other.id)))
    assert goes_to(response, f"/posts/{post.id}")
    db.session.refresh(post)
    assert post.place_id == place.id and post.category == Category.COMPANY


def test_a_blocked_neighbour_does_not_see_the_ga_mee_post_on_the_place_page(client, pw, make_place):
    place = make_place()
    post = posts.create_post(db.session, pw.ria, post_input(place_id=place.id, title="Wie gaat mee met Ria?"))
    moderation.block(db.session, pw.ria, pw.ahmed)
    db.session.commit()
    client.login("ahmed@example.org")
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert "Wie gaat mee met Ria?" not in text(client.get(f"/places/{place.id}"))


# --- the map ------------------------------------------------------------------------------------

def test_no_map_without_a_tile_server(client, pw, make_place):
    make_place()
    client.login("ria@example.org")
    assert client.get("/places/map").status_code == 404
    assert "/places/map" not in text(client.get("/places/"))


@pytest.mark.parametrize("config_overrides", [{"PLACES_TILE_URL": TILES, "LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_the_map_with_a_tile_server(client, pw, make_place):
    place = make_place(name="De Boog", latitude=52.11, longitude=5.09)
    make_place(name="Ver weg", hood=pw.everdingen, author=pw.annie)
    client.login("ria@example.org")
    assert 'href="/places/map?kind=walking"' in text(client.get("/places/?kind=walking"))
    response = client.get("/places/map")
    assert response.status_code == 200
    page = text(response)
    assert 'data-tiles="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert f'data-lat="52.11" data-lon="5.09" data-name="De Boog" data-url="/places/{place.id}"' in page
    assert "Ver weg" not in page  # the same filters as the list: near me
    assert "Ver weg" in text(client.get("/places/map?area=all"))
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["img-src"] == "'self' data: https://*.tile.openstreetmap.org"
    assert csp["script-src"] == "'self'"
    # other pages keep the strict policy
    assert "openstreetmap" not in client.get("/places/").headers["Content-Security-Policy"]
    assert client.get("/places/map?kind=castle").status_code == 400


# --- the broker's referral to a place -----------------------------------------------------------

def test_a_broker_refers_an_ask_to_a_place(client, pw, make_place):
    place = make_place(name="Digicafé in de bieb")
    pending = make_place(PlaceStatus.PENDING, name="Nog niet gecheckt")
    far = make_place(name="Bieb Everdingen", hood=pw.everdingen, author=pw.annie)
    ask = posts.create_post(db.session, pw.ahmed, post_input(title="Hulp met DigiD"))
    db.session.commit()
    client.login("broker@example.org")
    url = f"/broker/kracht-van-zuilen/asks/{ask.id}"
    page = text(client.get(url))
    assert f'<option value="{place.id}">Digicafé in de bieb</option>' in page
    assert "Nog niet gecheckt" not in page and "Bieb Everdingen" not in page
    for wrong in (pending.id, far.id, 999_999):
        response = client.post(url + "/referral", {"place_id": str(wrong), "organisation": "", "along": "Joost"})
        assert response.status_code == 400
    assert client.post(url + "/referral", {"place_id": "0", "organisation": "", "along": ""}).status_code == 400
    assert count(Referral) == 0
    response = client.post(url + "/referral", {"place_id": str(place.id), "organisation": "",
                                               "along": "Joost gaat dinsdag mee"})
    assert goes_to(response, url)
    referral = db.session.scalar(sa.select(Referral))
    assert referral.place_id == place.id and referral.organisation == "Digicafé in de bieb"
    assert referral.note == "Joost gaat dinsdag mee"
    assert f'<a href="/places/{place.id}">Digicafé in de bieb</a>' in text(client.get(url))


def test_a_referral_to_a_place_that_was_hidden_since_is_refused(pw, make_place):
    from buurthulp.broker.services import refer
    from buurthulp.errors import DomainError

    place = make_place()
    ask = posts.create_post(db.session, pw.ahmed, post_input())
    services.review(db.session, pw.broker, place, "hide")
    with pytest.raises(DomainError):
        refer(db.session, pw.broker, pw.kracht, ask, organisation="", note="", place=place)


# --- a constant number of queries ---------------------------------------------------------------

def _add_places(hood_ids: list[int], author_id: int, n: int, offset: int = 0) -> None:
    for i in range(offset, offset + n):
        db.session.add(Place(
            name=f"Plek {i}", kind=list(PlaceKind)[i % len(PlaceKind)], neighbourhood_id=hood_ids[i % 2],
            address="Straat 1", status=PlaceStatus.PUBLIC, author_id=author_id,
            activities=[PlaceActivity(title="Koffie", weekday=i % 7, starts_at=time(10, 0)),
                        PlaceActivity(title="Thee", weekday=(i + 1) % 7, starts_at=time(15, 0))]))
    db.session.commit()


def test_the_list_runs_a_constant_number_of_queries(client, pw, count_queries):
    client.login("ria@example.org")

    def queries(url):
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    hood_ids, author_id = [pw.zuilen.id, pw.ondiep.id], pw.broker.id
    _add_places(hood_ids, author_id, 3)
    few = [queries(url) for url in ("/places/", "/places/?area=all", "/places/?q=plek")]
    _add_places(hood_ids, author_id, 27, offset=3)
    assert [queries(url) for url in ("/places/", "/places/?area=all", "/places/?q=plek")] == few
    assert names_in(text(client.get("/places/")), {f"Plek {i}" for i in range(30)}) == {f"Plek {i}"
                                                                                         for i in range(30)}


@pytest.mark.parametrize("viewer", ["joost@example.org", "broker@example.org"])
def test_a_place_page_runs_a_constant_number_of_queries(client, pw, make_place, count_queries, viewer):
    place_id = make_place(activities=walking_group()).id
    people = [p.id for p in (pw.ria, pw.ahmed, pw.joost, pw.annie, pw.broker)]
    client.login(viewer)

    def queries():
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(f"/places/{place_id}").status_code == 200
        return q.count

    def add(n, offset=0):
        place = db.session.get(Place, place_id)
        for i in range(offset, offset + n):
            author = db.session.get(Neighbour, people[i % len(people)])
            services.add_story(db.session, author, place, f"Verhaal nummer {i}, gezellig.")
            posts.create_post(db.session, author, post_input(place_id=place_id, title=f"Mee {i}"))
            services.flag(db.session, author, place, f"Klopt niet {i}")
        db.session.commit()

    add(2)
    few = queries()
    add(18, offset=2)
    assert queries() == few
    page = text(client.get(f"/places/{place_id}"))
    assert "Verhaal nummer 19" in page and "Mee 19" in page
