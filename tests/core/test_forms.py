"""Forms say every mistake at once, in a summary right after the heading whose links reach their fields.

Radio and checkbox groups are linked by their first option and carry aria-describedby/aria-invalid; a select
one must choose in starts empty; a collapsed part with a mistake in it is open; the CSRF field has no id.
Checked on the rendered pages, as the neighbour gets them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from html.parser import HTMLParser

from flask_wtf import FlaskForm

import buurthulp
from buurthulp.extensions import db
from buurthulp.forms import Form
from buurthulp.neighbourhoods.models import Role
from buurthulp.places.models import Place, PlaceKind, PlaceStatus
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.html.crawl import Page, id_problems


class Elements(HTMLParser):
    """Start tags of a page in order, as (tag, attributes), with the text of options."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def by_id(self, id_):
        return next((a for t, a in self.tags if a.get("id") == id_), None)

    def summary_links(self) -> list[str]:
        """The fragment of each link in the error summary."""
        start = next(i for i, (t, a) in enumerate(self.tags) if a.get("id") == "error-summary")
        links = []
        for tag, attrs in self.tags[start + 1:]:
            if tag == "div":
                break
            if tag == "a":
                links.append(attrs["href"].removeprefix("#"))
        return links

    def after_h1(self) -> tuple[str, dict]:
        i = next(i for i, (t, _a) in enumerate(self.tags) if t == "h1")
        return self.tags[i + 1]


def page(response) -> Elements:
    return Elements(response.get_data(as_text=True))


def no_id_problems(response):
    problems = id_problems(Page("test", "", "", response.status_code, response.get_data(as_text=True)))
    assert not problems, problems


def test_every_form_of_the_app_renders_its_csrf_field_without_an_id():
    for module in pkgutil.walk_packages(buurthulp.__path__, "buurthulp."):
        if module.name.endswith((".forms", "_routes")):
            importlib.import_module(module.name)
    classes, mine = list(FlaskForm.__subclasses__()), []
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("buurthulp."):
            mine.append(cls)
    assert mine
    assert [c.__qualname__ for c in mine if not issubclass(c, Form)] == []


def test_joining_says_every_mistake_at_once(client):
    response = client.post("/register", {"display_name": "", "email": "not an address", "password": "kort",
                                         "postcode": "12"})
    assert response.status_code == 400
    html = page(response)
    # the password rule is there with the others, not only after the e-mail address is right
    assert set(html.summary_links()) == {"display_name", "email", "password", "postcode"}
    assert html.after_h1()[1].get("id") == "error-summary"
    summary = html.by_id("error-summary")
    assert summary["role"] == "alert" and summary["tabindex"] == "-1"
    for field in ("display_name", "email", "password", "postcode"):
        assert html.by_id(field)["aria-invalid"] == "true"
        assert f"{field}-error" in html.by_id(field)["aria-describedby"]
    no_id_problems(response)


def test_a_common_password_is_said_with_a_wrong_postcode(client):
    response = client.post("/register", {"display_name": "Ria", "email": "ria@example.org",
                                         "password": "wachtwoord", "postcode": "3554 SS"})
    assert set(page(response).summary_links()) == {"password", "postcode"}


def test_changing_a_password_says_a_wrong_current_one_and_a_weak_new_one_together(client):
    make_neighbour(email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    response = client.post("/profile/password", {"current": "not it at all", "password": "kort", "confirm": "x"})
    assert response.status_code == 400
    assert set(page(response).summary_links()) == {"current", "password", "confirm"}


def test_deleting_says_a_wrong_password_and_the_missing_tick_together(client):
    make_neighbour(email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    response = client.post("/profile/delete", {"password": "not it at all"})
    assert response.status_code == 400
    assert set(page(response).summary_links()) == {"password", "confirm"}


def test_the_post_form_links_a_radio_group_by_its_first_option_and_says_when_with_the_rest(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(zuilen, email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    response = client.post("/posts/new", {"title": "", "timing": "once", "on_date": "2001-01-01",
                                          "duration_minutes": "60", "expiry_days": "30", "place": "home_area"})
    assert response.status_code == 400
    html = page(response)
    links = html.summary_links()
    # kind is a radio group: linked by its first option; the date that passed is said with the missing title
    assert links[:1] == ["kind-0"] and {"category", "title", "on_date"} <= set(links)
    for fragment in links:
        assert html.by_id(fragment) is not None, fragment
    fieldset = next(a for t, a in html.tags if t == "fieldset" and "kind-error" in a.get("aria-describedby", ""))
    assert fieldset["aria-invalid"] == "true"
    assert html.by_id("kind-error") is not None
    no_id_problems(response)


def test_no_double_punctuation_after_a_label_that_asks(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(zuilen, email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    text = client.post("/posts/new", {"title": ""}).get_data(as_text=True)
    assert "?:" not in re.sub(r"<[^>]+>", "", text)


def test_a_required_select_starts_empty_and_says_what_to_choose(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(zuilen, email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    html = page(client.get("/posts/new"))
    i = next(i for i, (t, a) in enumerate(html.tags) if t == "select" and a.get("id") == "category")
    first = html.tags[i + 1]
    assert first[0] == "option" and first[1]["value"] == "" and "selected" in first[1]
    response = client.post("/posts/new", {"kind": "ask", "category": "", "title": "Plank ophangen",
                                          "timing": "flexible", "period_start": "", "period_end": ""})
    assert response.status_code == 400
    assert "category" in page(response).summary_links()
    # a kind chosen in the link (the home page's buttons) is still chosen
    html = page(client.get("/posts/new?category=klussen"))
    selected = [a["value"] for t, a in html.tags if t == "option" and "selected" in a]
    assert "klussen" in selected and "" not in selected


def test_the_place_form_opens_the_map_point_when_it_is_wrong(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(zuilen, email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    assert not any(t == "details" and "open" in a for t, a in page(client.get("/places/new")).tags)
    response = client.post("/places/new", {"name": "Buurthuis", "kind": "", "neighbourhood_id": str(zuilen.id),
                                           "latitude": "10", "longitude": "5"})
    assert response.status_code == 400
    html = page(response)
    assert any(t == "details" and "open" in a for t, a in html.tags)
    assert {"kind", "latitude"} <= set(html.summary_links())
    no_id_problems(response)


def test_a_flag_on_a_place_opens_its_details_when_empty(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ria = make_neighbour(zuilen, email="ria@example.org")
    place = Place(name="Buurthuis", kind=PlaceKind.COMMUNITY_CENTRE, neighbourhood_id=zuilen.id, address="Straat 1",
                  status=PlaceStatus.PUBLIC, author_id=ria.id)
    db.session.add(place)
    db.session.commit()
    client.login("ria@example.org")
    response = client.post(f"/places/{place.id}/flag", {"note": ""})
    assert response.status_code == 400
    html = page(response)
    assert any(t == "details" and "open" in a for t, a in html.tags)
    assert html.after_h1()[1].get("id") == "error-summary"
    no_id_problems(response)


def test_a_page_with_several_forms_has_no_duplicate_csrf_ids(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ria = make_neighbour(zuilen, email="ria@example.org")
    ini = make_initiative(zuilen, name="Kracht van Zuilen")
    add_member(ini, ria, Role.COORDINATOR)
    add_member(ini, make_neighbour(zuilen))
    db.session.commit()
    client.login("ria@example.org")
    response = client.get(f"/initiatives/{ini.slug}")
    text = response.get_data(as_text=True)
    assert text.count('name="csrf_token"') > 1
    assert 'id="csrf_token"' not in text
    no_id_problems(response)
