"""The header: four main items, the rest under "Meer" (by role), icons beside words; tables scroll in a labelled box."""

import re
from datetime import timedelta

import pytest

from buurthulp.categories import Category
from buurthulp.core.icons import icon_shapes
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts.models import PostKind, Timing
from buurthulp.posts.services import PostInput, create_post
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood


def header_of(page: str) -> str:
    return page[page.index('<header class="site-header">'):page.index("</header>")]


def more_menu_of(page: str) -> str:
    header = header_of(page)
    return header[header.index('<details class="menu"'):header.index("</details>")]


def test_anonymous_header_has_log_in_join_and_the_language_without_a_menu(client):
    header = header_of(client.get("/").get_data(as_text=True))
    assert "Inloggen" in header and "Aanmelden" in header
    assert 'name="locale" value="en"' in header  # in sight: someone who reads no Dutch must find it at once
    assert "<details" not in header


def test_a_neighbour_sees_four_main_items_and_the_rest_under_more(client):
    make_neighbour(make_neighbourhood(), email="wim@example.org")
    db.session.commit()
    client.login("wim@example.org")
    page = client.get("/").get_data(as_text=True)
    header, menu = header_of(page), more_menu_of(page)
    main = header[header.index('<ul class="nav-main">'):header.index("</ul>")]
    assert [label for label in ("Hulp in de buurt", "Vragen of bieden", "Mijn hulp", "Nieuws") if label in main] == [
        "Hulp in de buurt", "Vragen of bieden", "Mijn hulp", "Nieuws"]
    assert main.count("<li>") == 4
    assert "<summary" in menu and "Meer" in menu
    for label in ("Mijn profiel", "Plekken", "Initiatieven", "Uitloggen", "English"):
        assert label in menu
    for label in ("Jouw taken", "Gemelde berichten", "/broker/", "/admin/"):
        assert label not in menu  # no roles, no role menu
    # every icon beside a word, hidden from screen readers
    assert header.count("<svg") == header.count('aria-hidden="true" focusable="false"') > 4


def test_the_menu_marks_where_you_are(client):
    make_neighbour(make_neighbourhood(), email="wim@example.org")
    db.session.commit()
    client.login("wim@example.org")
    page = client.get("/profile").get_data(as_text=True)
    assert '<summary class="has-current">' in more_menu_of(page)
    assert re.search(r'href="/profile" aria-current="page"', more_menu_of(page))


@pytest.mark.parametrize("role,expected", [
    (Role.BROKER, ["Jouw taken", "/broker/", "Gemelde berichten"]),
    (Role.COORDINATOR, ["Jouw taken", "Leden en instellingen van Kracht", "Gemelde berichten"]),
    (Role.TREASURER, ["Pot"]),
])
def test_role_items_are_under_more_for_those_with_the_role(client, role, expected):
    zuilen = make_neighbourhood()
    wim = make_neighbour(zuilen, email="wim@example.org")
    add_member(make_initiative(zuilen, name="Kracht"), wim, role)
    db.session.commit()
    client.login("wim@example.org")
    menu = more_menu_of(client.get("/").get_data(as_text=True))
    for text in expected:
        assert text in menu
    assert "/admin/" not in menu


def test_the_admin_link_is_for_site_admins_only(client):
    make_neighbour(make_neighbourhood(), email="admin@example.org", is_admin=True)
    db.session.commit()
    client.login("admin@example.org")
    menu = more_menu_of(client.get("/").get_data(as_text=True))
    assert "/admin/" in menu and "Jouw taken" in menu


def test_a_wide_table_scrolls_in_a_labelled_focusable_box(client):
    make_neighbour(make_neighbourhood(), email="wim@example.org")
    db.session.commit()
    client.login("wim@example.org")
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'<div class="table-scroll" tabindex="0" role="region"\s+aria-labelledby="when-heading">', page)
    assert 'id="when-heading"' in page


def test_feed_cards_show_category_who_where_and_when_with_icons(client):
    zuilen = make_neighbourhood()
    make_neighbour(zuilen, email="wim@example.org")
    henk = make_neighbour(zuilen, name="Henk")
    today = local_today()
    create_post(db.session, henk, PostInput(
        kind=PostKind.ASK, category=Category.GROCERIES, title="Boodschappen op vrijdag", description="Een tas",
        private_details="", timing=Timing.FLEXIBLE, period_start=today, period_end=today + timedelta(days=14)))
    db.session.commit()
    client.login("wim@example.org")
    page = client.get("/posts").get_data(as_text=True)
    card = page[page.index('<article class="card post-card'):page.index("</article>")]
    assert "Boodschappen op vrijdag" in card and "Henk" in card and "Boodschappen" in card
    assert card.count('<li><svg class="icon" aria-hidden="true"') == 3  # who, where, when
    assert '<details class="filter-box"' in page  # folded until opened (or a wide screen opens it)


def test_an_unknown_icon_is_an_error_not_a_blank():
    with pytest.raises(FileNotFoundError):
        icon_shapes("no-such-icon")
    with pytest.raises(ValueError):
        icon_shapes("../secrets")
    assert "<path" in icon_shapes("bell")
