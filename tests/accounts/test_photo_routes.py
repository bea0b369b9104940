"""The profile photo on the web: uploading and removing one's own, who is served it, where it shows, export and
deletion, and a broker adding one for a proxy neighbour with their consent."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from buurthulp import access, privacy
from buurthulp.accounts import photos
from buurthulp.accounts.models import Neighbour, NeighbourPhoto
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts import services as posts
from buurthulp.posts.models import Block
from tests.accounts.photo_files import image_bytes, jpeg_with_gps_and_orientation
from tests.factories import make_neighbour
from tests.posts.conftest import post_input
from tests.posts.test_profiles import SEES
from tests.posts.test_profiles import people as people_nearby


@pytest.fixture
def people(app) -> dict:
    """The profiles tests' world: who lives where, who brokers whom (tests.posts.test_profiles.people)."""
    return people_nearby.__wrapped__(app)


def upload(client, data: bytes, filename="foto.jpg", url="/profile/photo", **fields):
    return client.post(url, {"photo": (io.BytesIO(data), filename), **fields}, content_type="multipart/form-data")


def photo_row(person) -> NeighbourPhoto | None:
    db.session.expire_all()
    return db.session.get(NeighbourPhoto, person.id)


def give_photo(person, by=None, consent=""):
    photos.set_photo(db.session, person, image_bytes(), added_by=by or person, consent=consent)
    db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


# --- one's own photo ----------------------------------------------------------------------------

def test_the_profile_page_has_an_upload_form_with_csrf(client, people):
    client.login("ria@example.org")
    page = text(client.get("/profile"))
    form = re.search(r'<form[^>]*action="/profile/photo"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form and 'type="file"' in form
    assert ">R</span>" in page  # no photo yet: Ria's initial in a circle


def test_a_neighbour_uploads_a_photo_and_it_is_stored_clean(client, people):
    client.login("ria@example.org")
    response = upload(client, jpeg_with_gps_and_orientation())
    assert response.status_code == 302
    row = photo_row(people["ria"])
    assert row.added_by_id == people["ria"].id and row.consent_note == ""
    stored = Image.open(io.BytesIO(row.image))
    assert stored.size == (256, 256) and not stored.getexif()
    page = text(client.get("/profile"))
    assert f'src="/neighbours/{people["ria"].id}/photo?v={photos.version(row.updated_at)}"' in page
    assert "Remove my photo" in page or "Verwijder mijn foto" in page


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(client, people):
    client.login("ria@example.org")
    response = upload(client, b"Ik ben een tekstbestand\n", filename="foto.jpg")
    assert response.status_code == 400
    assert "JPEG, PNG" in text(response) and 'enctype="multipart/form-data"' in text(response)
    assert photo_row(people["ria"]) is None


def test_no_file_chosen_is_said_on_the_form(client, people):
    client.login("ria@example.org")
    response = client.post("/profile/photo", {}, content_type="multipart/form-data")
    assert response.status_code == 400 and 'aria-invalid="true"' in text(response)


def test_a_photo_over_8_mb_is_refused_on_the_form(client, people):
    client.login("ria@example.org")
    big = image_bytes() + b"\0" * (photos.MAX_UPLOAD_BYTES + 10)
    response = upload(client, big)
    assert response.status_code == 400 and "8 MB" in text(response)
    assert photo_row(people["ria"]) is None


def test_a_request_over_the_size_limit_gets_the_form_with_a_clear_message(client, people, app):
    client.login("ria@example.org")
    response = upload(client, b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code == 413
    assert "8 MB" in text(response) and 'enctype="multipart/form-data"' in text(response)


def test_an_upload_without_csrf_is_refused(client, people):
    client.login("ria@example.org")
    response = client.post("/profile/photo", {"photo": (io.BytesIO(image_bytes()), "foto.jpg")},
                           csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400
    assert photo_row(people["ria"]) is None


def test_anonymous_cannot_upload(client, people):
    response = upload(client, image_bytes())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NeighbourPhoto)) == 0


def test_the_photo_is_removed_with_a_button(client, people):
    give_photo(people["ria"])
    client.login("ria@example.org")
    assert client.post("/profile/photo/remove").status_code == 302
    assert photo_row(people["ria"]) is None
    assert client.post("/profile/photo/remove", csrf=False).status_code == 400


def test_a_new_photo_replaces_the_old_and_changes_the_address(client, people):
    give_photo(people["ria"])
    first = photo_row(people["ria"]).updated_at
    client.login("ria@example.org")
    upload(client, image_bytes(colour=(0, 200, 0)))
    assert photo_row(people["ria"]).updated_at >= first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NeighbourPhoto)) == 1


# --- who is served the photo ---------------------------------------------------------------------

@pytest.mark.parametrize("viewer, person", list(SEES), ids=[f"{v}-sees-{p}" for v, p in SEES])
def test_the_photo_is_served_to_whoever_may_see_the_profile(client, people, viewer, person):
    # by hand, so that the deleted person has one too
    db.session.add(NeighbourPhoto(neighbour_id=people[person].id, image=image_bytes(), added_by_id=people[person].id))
    db.session.commit()
    client.login(f"{viewer}@example.org")
    response = client.get(f"/neighbours/{people[person].id}/photo")
    assert response.status_code == (200 if SEES[viewer, person] else 404)
    if SEES[viewer, person]:
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"].startswith("private")


def test_the_sql_form_of_the_rule_agrees_with_the_rule(people):
    everyone = list(people.values())
    for viewer in everyone:
        if viewer.deleted_at is not None:
            continue
        listed = set(db.session.scalars(sa.select(Neighbour.id).where(access.profile_seen_by(db.session, viewer))))
        assert listed == {p.id for p in everyone if access.may_see_profile(db.session, viewer, p)}, viewer.display_name


def test_anonymous_visitors_get_no_photo(client, people):
    give_photo(people["ria"])
    assert client.get(f"/neighbours/{people['ria'].id}/photo").status_code == 404


def test_someone_who_blocked_you_shows_you_no_photo(client, people):
    give_photo(people["ria"])
    db.session.add(Block(blocker_id=people["ria"].id, blocked_id=people["ahmed"].id))
    db.session.commit()
    client.login("ahmed@example.org")
    assert client.get(f"/neighbours/{people['ria'].id}/photo").status_code == 404


def test_without_a_photo_the_address_is_not_found(client, people):
    client.login("ahmed@example.org")
    assert client.get(f"/neighbours/{people['ria'].id}/photo").status_code == 404


def test_the_versioned_address_may_be_kept_by_the_browser_only(client, people):
    give_photo(people["ria"])
    version = photos.version(photo_row(people["ria"]).updated_at)
    client.login("ahmed@example.org")
    response = client.get(f"/neighbours/{people['ria'].id}/photo?v={version}")
    assert response.headers["Cache-Control"] == f"private, max-age={7 * 24 * 3600}"
    assert client.get(f"/neighbours/{people['ria'].id}/photo?v=1").headers["Cache-Control"] == "private, no-cache"


# --- where it shows ------------------------------------------------------------------------------

def photo_src(person) -> str:
    return f'src="/neighbours/{person.id}/photo?v='


def test_the_profile_page_shows_the_photo_to_a_neighbour(client, people):
    give_photo(people["ria"])
    client.login("ahmed@example.org")
    assert photo_src(people["ria"]) in text(client.get(f"/neighbours/{people['ria'].id}"))


def test_a_post_shows_its_authors_photo_only_where_the_profile_opens(client, people):
    give_photo(people["ria"])
    give_photo(people["jansen"], by=people["broker"], consent="in_person 2025-01-02")
    ria_ask = posts.create_post(db.session, people["ria"], post_input(title="Lamp"))
    proxy_ask = posts.create_post(db.session, people["jansen"], post_input(title="Boodschappen"))
    db.session.commit()
    client.login("ahmed@example.org")
    assert photo_src(people["ria"]) in text(client.get(f"/posts/{ria_ask.id}"))
    page = text(client.get(f"/posts/{proxy_ask.id}"))
    assert "Mevrouw Jansen" in page and photo_src(people["jansen"]) not in page and ">MJ</span>" in page
    feed = text(client.get("/posts"))
    assert photo_src(people["ria"]) in feed and photo_src(people["jansen"]) not in feed


def test_the_match_page_shows_the_other_persons_photo(client, people):
    give_photo(people["ria"])
    match_id = db.session.scalar(sa.text("SELECT id FROM match LIMIT 1"))  # Piet answered Ria's ask
    client.login("piet@example.org")
    assert photo_src(people["ria"]) in text(client.get(f"/matches/{match_id}"))


def test_the_feed_loads_the_photos_in_one_query_for_3_or_30_posts(client, people, count_queries):
    client.login("ahmed@example.org")
    zuilen_id = people["ria"].neighbourhood_id
    counts = {}
    for total in (3, 30):
        while db.session.scalar(sa.select(sa.func.count()).select_from(NeighbourPhoto)) < total:
            author = make_neighbour(db.session.get(Neighbourhood, zuilen_id))
            give_photo(author)
            posts.create_post(db.session, author, post_input(title=f"Vraag {author.id}"))
            db.session.commit()
        db.session.expunge_all()
        with count_queries() as q:
            page = text(client.get("/posts"))
        assert page.count('/photo?v=') >= min(total, 20)
        counts[total] = q.count
    assert counts[3] == counts[30], counts


# --- export and deletion -------------------------------------------------------------------------

def test_the_export_says_there_is_no_photo(client, people):
    assert privacy.export_data(db.session, people["ria"])["profile"]["photo"] is None


def test_the_export_holds_the_photo_itself(client, people):
    give_photo(people["ria"])
    client.login("ria@example.org")
    exported = client.get("/profile/export").get_json()["profile"]["photo"]
    assert exported["content_type"] == "image/jpeg" and exported["added_by"] == "yourself"
    assert base64.b64decode(exported["data_base64"]) == photo_row(people["ria"]).image


def test_deleting_the_account_removes_the_photo(people):
    give_photo(people["ria"])
    give_photo(people["jansen"], by=people["broker"], consent="by_phone 2025-01-02")
    privacy.delete_account(db.session, people["ria"])
    privacy.delete_account(db.session, people["broker"])
    db.session.commit()
    assert photo_row(people["ria"]) is None
    assert photo_row(people["jansen"]).added_by_id is None  # kept, no longer naming the deleted broker


# --- a broker, for a proxy neighbour -------------------------------------------------------------

def proxy_url(people, suffix="/photo"):
    return f"/broker/kracht-van-zuilen/neighbours/{people['jansen'].id}{suffix}"


CONSENT = {"way": "in_person", "agreed_on": date.today().isoformat(), "agreed": "y"}


def test_a_broker_adds_a_photo_for_a_proxy_neighbour_with_their_consent(client, people):
    client.login("broker@example.org")
    page = text(client.get(proxy_url(people, "")))
    assert 'action="' + proxy_url(people) + '"' in page and 'enctype="multipart/form-data"' in page
    response = upload(client, image_bytes(), url=proxy_url(people), **CONSENT)
    assert response.status_code == 302, text(response)
    row = photo_row(people["jansen"])
    assert row.added_by_id == people["broker"].id and row.consent_note == f"in_person {date.today().isoformat()}"
    page = text(client.get(proxy_url(people, "")))
    assert photo_src(people["jansen"]) in page
    assert date.today().strftime("%Y") in page  # the consent, with its date, is on their page
    export = privacy.export_data(db.session, people["jansen"])["profile"]["photo"]
    assert export["added_by"] == "a broker" and export["consent"] == row.consent_note


@pytest.mark.parametrize("missing", ["way", "agreed_on", "agreed"])
def test_without_consent_no_photo_is_added(client, people, missing):
    client.login("broker@example.org")
    fields = {k: v for k, v in CONSENT.items() if k != missing}
    response = upload(client, image_bytes(), url=proxy_url(people), **fields)
    assert response.status_code == 400
    assert photo_row(people["jansen"]) is None


def test_consent_cannot_be_dated_in_the_future(client, people):
    client.login("broker@example.org")
    response = upload(client, image_bytes(), url=proxy_url(people),
                      **{**CONSENT, "agreed_on": (date.today() + timedelta(days=2)).isoformat()})
    assert response.status_code == 400 and photo_row(people["jansen"]) is None


@pytest.mark.parametrize("who", ["other_broker", "far_broker", "treasurer", "admin", "ahmed"])
def test_only_the_proxys_own_brokers_add_a_photo(client, people, who):
    client.login(f"{who}@example.org")
    response = upload(client, image_bytes(), url=proxy_url(people), **CONSENT)
    assert response.status_code in (403, 404)
    assert photo_row(people["jansen"]) is None


def test_a_broker_adds_no_photo_for_a_neighbour_with_a_login(client, people):
    client.login("broker@example.org")
    response = upload(client, image_bytes(), url=f"/broker/kracht-van-zuilen/neighbours/{people['ria'].id}/photo",
                      **CONSENT)
    assert response.status_code == 404 and photo_row(people["ria"]) is None


def test_a_broker_removes_the_proxys_photo(client, people):
    give_photo(people["jansen"], by=people["broker"], consent="by_phone 2025-01-02")
    client.login("other_broker@example.org")
    assert client.post(proxy_url(people, "/photo/remove")).status_code == 403  # not a broker of Kracht van Zuilen
    assert photo_row(people["jansen"]) is not None
    client.logout()
    client.login("broker@example.org")
    assert client.post(proxy_url(people, "/photo/remove")).status_code == 302
    assert photo_row(people["jansen"]) is None
