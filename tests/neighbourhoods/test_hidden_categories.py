"""An initiative can hide kinds of help; a neighbourhood offers what any of its initiatives takes on."""

import sqlalchemy as sa

from buurthulp.categories import Category
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.neighbourhoods.services import visible_categories
from buurthulp.posts.models import Post
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood


def world():
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    kracht = make_initiative(zuilen, name="Kracht van Zuilen")
    coordinator = make_neighbour(zuilen, email="coordinator@example.org")
    add_member(kracht, coordinator, Role.COORDINATOR)
    ria = make_neighbour(zuilen, email="ria@example.org")
    db.session.commit()
    return zuilen, kracht, ria


def test_the_coordinator_hides_a_category_and_it_is_no_longer_offered(client, app):
    zuilen, kracht, ria = world()
    client.login("coordinator@example.org")
    assert client.post("/initiatives/kracht-van-zuilen/categories",
                       {"hidden_categories": ["oppassen", "vervoer"]}).status_code == 302
    db.session.refresh(kracht)
    assert kracht.hidden == {"oppassen", "vervoer"}
    assert Category.MINDING not in visible_categories(db.session, zuilen.id)
    client.logout()
    client.login("ria@example.org")
    page = client.get("/posts/new").get_data(as_text=True)
    assert 'value="oppassen"' not in page and 'value="klussen"' in page
    response = client.post("/posts/new", {"kind": "ask", "category": "oppassen", "title": "Oppas gezocht",
                                          "timing": "weekly", "weekly_slots": ["1-0"], "duration_minutes": "60",
                                          "place": "home_area", "expiry_days": "30"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0
    assert 'value="oppassen"' not in client.get("/posts").get_data(as_text=True)


def test_another_initiative_that_takes_it_on_keeps_it_offered(app):
    zuilen, kracht, _ = world()
    other = make_initiative(zuilen, name="Oppascentrale")
    kracht.hidden_categories = "oppassen"
    db.session.commit()
    assert Category.MINDING in visible_categories(db.session, zuilen.id)
    other.hidden_categories = "oppassen,vervoer"
    db.session.commit()
    assert Category.MINDING not in visible_categories(db.session, zuilen.id)
    assert Category.TRANSPORT in visible_categories(db.session, zuilen.id)


def test_only_coordinators_hide_categories(client, app):
    world()
    client.login("ria@example.org")
    assert client.post("/initiatives/kracht-van-zuilen/categories", {"hidden_categories": ["oppassen"]}).status_code == 403
    assert client.post("/initiatives/kracht-van-zuilen/categories", {"hidden_categories": ["zwemmen"]}).status_code == 403
    client.logout()
    client.login("coordinator@example.org")
    assert client.post("/initiatives/kracht-van-zuilen/categories", {"hidden_categories": ["zwemmen"]}).status_code == 400
    assert client.post("/initiatives/kracht-van-zuilen/categories", {"hidden_categories": ["oppassen"]},
                       csrf=False).status_code == 400


def test_a_neighbourhood_without_initiatives_offers_everything(app):
    hood = make_neighbourhood("Nergens", ["9999"])
    db.session.commit()
    assert visible_categories(db.session, hood.id) == list(Category)
