"""Who may see and do what on the living map.

Every place here is Ria's, in Zuilen, where Kracht van Zuilen works. Unchecked (pending) and hidden places are
for their author and the reviewers only (a broker or coordinator of an initiative working in Zuilen, or a site
admin); for anyone else they do not exist (404). The treasurer of Kracht van Zuilen and the broker of Buurtwinkel
Everdingen are not reviewers of Zuilen.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.places import services
from buurthulp.places.models import Place, PlaceFlag, PlaceStatus, Story
from tests.places.conftest import EMAILS, REVIEWERS, build_places_world, place_made, text
from tests.snapshots import built_once

ROLES = ["anonymous", *EMAILS]
EVERYONE = set(EMAILS)
AUTHOR_AND_REVIEWERS = REVIEWERS | {"author"}
STORY = "Ik ben er geweest en het was heel gezellig."

NAMES = {PlaceStatus.PUBLIC: "Openbare plek", PlaceStatus.PENDING: "Nog niet gecheckt",
         PlaceStatus.HIDDEN: "Verborgen plek"}


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login"


def as_role(client, role: str):
    if role != "anonymous":
        client.login(EMAILS[role])
    return client


@pytest.fixture
def access_world(app) -> tuple:
    """The places world with a place of each status, built once per process and copied for each test (this file
    runs a few hundred tests on it)."""
    def build():
        world = build_places_world()
        return world, {status: place_made(world, status, name=name) for status, name in NAMES.items()}
    return built_once("places access", build)


@pytest.fixture
def pw(access_world):
    return access_world[0]


@pytest.fixture
def places(access_world) -> dict:
    return access_world[1]


def expected(role: str, ok: set[str], ok_status: int, others: int) -> int:
    return ok_status if role in ok else others


# --- reading ------------------------------------------------------------------------------------

# who gets a 200 on a place's page; the others a 404
SEES = {PlaceStatus.PUBLIC: EVERYONE, PlaceStatus.PENDING: AUTHOR_AND_REVIEWERS,
        PlaceStatus.HIDDEN: AUTHOR_AND_REVIEWERS}


@pytest.mark.parametrize("role", ROLES)
def test_a_places_page(client, places, role):
    as_role(client, role)
    for status, place in places.items():
        response = client.get(f"/places/{place.id}")
        if role == "anonymous":
            assert goes_to_login(response), status
            continue
        assert response.status_code == expected(role, SEES[status], 200, 404), status
        assert (NAMES[status] in text(response)) == (response.status_code == 200), status


def test_a_place_that_does_not_exist(client, pw):
    client.login("admin@example.org")
    for url in ("/places/999999", "/places/999999/edit", "/places/abc", "/places/0"):
        assert client.get(url).status_code == 404, url
    for url in ("/places/999999/review", "/places/999999/stories", "/places/999999/flag",
                "/places/999999/stories/1/remove"):
        assert client.post(url, {"action": "approve", "body": STORY, "note": "weg"}).status_code == 404, url


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_unchecked_places_to_their_author_only_and_hidden_ones_to_nobody(client, places, role):
    as_role(client, role)
    for url in ("/places/", "/places/?area=all", "/places/?area=zuilen", "/places/?q=plek",
                "/places/?q=gecheckt&area=all"):
        response = client.get(url)
        if role == "anonymous":
            assert goes_to_login(response), url
            continue
        assert response.status_code == 200, url
        page = text(response)
        assert NAMES[PlaceStatus.HIDDEN] not in page, url
        if "gecheckt" not in url:
            # Annie (Everdingen) and the admin-less far broker see Zuilen only when they ask for it
            near_zuilen = role not in ("far_away", "other_broker") or "area=" in url
            assert (NAMES[PlaceStatus.PUBLIC] in page) == near_zuilen, url
        if role != "author":
            assert NAMES[PlaceStatus.PENDING] not in page, url
    if role == "author":
        assert NAMES[PlaceStatus.PENDING] in text(client.get("/places/"))


@pytest.mark.parametrize("role", ["anonymous", *EMAILS])
def test_the_add_form_is_for_every_neighbour(client, pw, role):
    as_role(client, role)
    response = client.get("/places/new")
    assert goes_to_login(response) if role == "anonymous" else response.status_code == 200


# who gets a 200 on the edit form; the ones who may see the place a 403, the others a 404
EDITS = {PlaceStatus.PUBLIC: REVIEWERS, PlaceStatus.PENDING: AUTHOR_AND_REVIEWERS, PlaceStatus.HIDDEN: REVIEWERS}


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_form(client, pw, places, role):
    as_role(client, role)
    for status, place in places.items():
        url = f"/places/{place.id}/edit"
        get = client.get(url)
        post = client.post(url, {"name": "Gewijzigd", "kind": "other", "neighbourhood_id": str(pw.zuilen.id),
                                 "address": "Kerkweg 2"})
        if role == "anonymous":
            assert goes_to_login(get) and goes_to_login(post), status
            continue
        sees = role in SEES[status]
        assert get.status_code == expected(role, EDITS[status], 200, 403 if sees else 404), status
        assert post.status_code == expected(role, EDITS[status], 302, 403 if sees else 404), status
    changed = {status for status, place in places.items() if db.session.get(Place, place.id).name == "Gewijzigd"}
    assert changed == ({s for s, who in EDITS.items() if role in who})


CHECKERS = REVIEWERS | {"other_broker"}  # the other broker has a queue, for Everdingen


@pytest.mark.parametrize("role", ROLES)
def test_the_check_queue(client, pw, places, make_place, role):
    far = make_place(PlaceStatus.PENDING, author=pw.annie, hood=pw.everdingen, name="Wacht in Everdingen")
    flagged = places[PlaceStatus.PUBLIC]
    services.flag(db.session, pw.joost, flagged, "Het is verhuisd")
    db.session.commit()
    as_role(client, role)
    response = client.get("/places/check")
    if role == "anonymous":
        assert goes_to_login(response)
        return
    assert response.status_code == expected(role, CHECKERS, 200, 403)
    if response.status_code != 200:
        return
    page = text(response)
    assert (NAMES[PlaceStatus.PENDING] in page) == (role in REVIEWERS)
    assert (NAMES[PlaceStatus.PUBLIC] in page) == (role in REVIEWERS)  # flagged
    assert NAMES[PlaceStatus.HIDDEN] not in page
    assert (far.name in page) == (role in ("other_broker", "admin"))


# --- doing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status, action", [(PlaceStatus.PENDING, "approve"), (PlaceStatus.PUBLIC, "confirm"),
                                            (PlaceStatus.PUBLIC, "hide"), (PlaceStatus.HIDDEN, "approve")])
def test_checking_a_place(client, places, role, status, action):
    place = places[status]
    before = (place.reviewed_at, place.confirmed_at)
    as_role(client, role)
    response = client.post(f"/places/{place.id}/review", {"action": action})
    db.session.expire_all()
    place = db.session.get(Place, place.id)
    if role == "anonymous":
        assert goes_to_login(response)
    else:
        sees = role in SEES[status]
        assert response.status_code == expected(role, REVIEWERS, 302, 403 if sees else 404)
    if role in REVIEWERS:
        assert place.status == (PlaceStatus.HIDDEN if action == "hide" else PlaceStatus.PUBLIC)
        assert (place.reviewed_at, place.confirmed_at) != before
    else:
        assert place.status == status and (place.reviewed_at, place.confirmed_at) == before


@pytest.mark.parametrize("role", ROLES)
def test_telling_a_story(client, places, role):
    as_role(client, role)
    for status, place in places.items():
        response = client.post(f"/places/{place.id}/stories", {"body": STORY})
        if role == "anonymous":
            assert goes_to_login(response), status
        elif status == PlaceStatus.PUBLIC:
            assert response.status_code == 302, status
        else:  # only on a public place; the others do not see it at all
            assert response.status_code == expected(role, SEES[status], 400, 404), status
    stories = db.session.scalars(sa.select(Story)).all()
    assert [s.place_id for s in stories] == ([] if role == "anonymous" else [places[PlaceStatus.PUBLIC].id])


@pytest.mark.parametrize("role", ROLES)
def test_flagging_a_place(client, places, role):
    as_role(client, role)
    for status, place in places.items():
        response = client.post(f"/places/{place.id}/flag", {"note": "Het is verhuisd"})
        if role == "anonymous":
            assert goes_to_login(response), status
        elif status == PlaceStatus.PUBLIC:
            assert response.status_code == 302, status
        else:
            assert response.status_code == expected(role, SEES[status], 400, 404), status
    flags = db.session.scalars(sa.select(PlaceFlag)).all()
    assert [f.place_id for f in flags] == ([] if role == "anonymous" else [places[PlaceStatus.PUBLIC].id])


@pytest.mark.parametrize("role", ROLES)
def test_removing_someone_elses_story(client, pw, places, role):
    """Joost's story: Joost removes it (he is not among the roles here), a reviewer hides it, nobody else."""
    place = places[PlaceStatus.PUBLIC]
    story = services.add_story(db.session, pw.joost, place, STORY)
    db.session.commit()
    as_role(client, role)
    response = client.post(f"/places/{place.id}/stories/{story.id}/remove", {"action": "remove"})
    db.session.expire_all()
    story = db.session.get(Story, story.id)
    if role == "anonymous":
        assert goes_to_login(response)
    elif role == "next_door":  # that is Joost himself
        assert response.status_code == 302 and story is None
        return
    else:
        assert response.status_code == expected(role, REVIEWERS, 302, 403)
    assert (story.hidden_at is not None) == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
def test_a_story_on_a_hidden_place_is_out_of_reach(client, pw, places, role):
    place = places[PlaceStatus.PUBLIC]
    story = services.add_story(db.session, pw.ahmed, place, STORY)
    services.review(db.session, pw.broker, place, "hide", now=utcnow())
    db.session.commit()
    as_role(client, role)
    response = client.post(f"/places/{place.id}/stories/{story.id}/remove", {"action": "remove"})
    if role == "anonymous":
        assert goes_to_login(response)
    elif role == "neighbour":  # Ahmed wrote it, but the place is hidden and not his
        assert response.status_code == 404
    else:
        assert response.status_code == expected(role, REVIEWERS, 302, 403 if role == "author" else 404)
