"""The print-out for a neighbour without internet, printed by Chromium to an A4 PDF and read back: whom to call,
who comes (first name only) and when, on one sheet."""

from __future__ import annotations

import io
import re
from datetime import time, timedelta

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import proxies
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.timeutil import local_to_utc, local_today
from tests.browser.test_help_journey import log_in
from tests.factories import make_neighbour
from tests.posts.conftest import post_input

pytestmark = pytest.mark.browser

PHONE = "06 11 22 33 44"
A4_POINTS = (595.3, 841.9)  # 210 x 297 mm


def _world(app) -> tuple[int, object]:
    """Ahmed (a broker of Kracht van Zuilen in the demo) with a phone number; Mevrouw Jansen, registered by him,
    with help agreed with Karin van Dam in four days' time. Returns Jansen's id and the day."""
    day = local_today() + timedelta(days=4)
    with app.app_context():
        ahmed = db.session.scalars(db.select(Neighbour).where(Neighbour.email == "ahmed@example.org")).one()
        kracht = db.session.scalars(db.select(Initiative).where(Initiative.slug == "kracht-van-zuilen")).one()
        ahmed.phone = PHONE
        jansen, _ = proxies.register_proxy(
            db.session, ahmed, kracht, key="browser-print", asked_by="haar dochter", consent_way="by_phone",
            consent_on=local_today(), agreed=True, name="Mevrouw Jansen", contact_route="06 12345678",
            postcode="3554 AB", likes=[], needs=["boodschappen"])
        karin = make_neighbour(ahmed.neighbourhood, email="karin@example.org", name="Karin van Dam",
                               latitude=ahmed.latitude, longitude=ahmed.longitude)
        ask = posts.create_post(db.session, jansen, post_input(title="Boodschappen op vrijdag"))
        match = match_flow.respond(db.session, karin, ask, "Ik doe het graag")
        match_flow.accept(db.session, jansen, match)
        match.agreed_start = local_to_utc(day, time(14, 30))
        match.note = "Karin belt eerst even aan."
        db.session.commit()
        jansen_id = jansen.id
        db.session.remove()
    return jansen_id, day


def test_the_print_out_is_one_a4_page_with_whom_to_call_and_who_comes_when(browser, live_server):
    jansen_id, day = _world(live_server.app)
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, "ahmed@example.org")
    page.goto(f"{live_server}/broker/kracht-van-zuilen/neighbours/{jansen_id}/print")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages"
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_POINTS[0]) < 2 and abs(float(box.height) - A4_POINTS[1]) < 2, box
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert PHONE in text and "Ahmed" in text  # whom to call
    assert "Karin" in text and "van Dam" not in text  # the helper by first name only
    assert format_date(day, "d MMMM yyyy", locale="nl") in text and "14:30" in text
    assert "Karin belt eerst even aan." in text
    assert "Mevrouw Jansen" in text


def test_the_phone_list_and_the_proxys_pages_are_accessible_and_print_large(browser, live_server, axe_check):
    jansen_id, _ = _world(live_server.app)
    with live_server.app.app_context():
        from buurthulp.posts.models import Match

        match_id = db.session.scalars(db.select(Match.id).where(Match.asker_id == jansen_id)).one()
        db.session.remove()
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, "ahmed@example.org")
    for url in (f"/broker/kracht-van-zuilen/neighbours/{jansen_id}", f"/broker/kracht-van-zuilen/matches/{match_id}",
                f"/broker/kracht-van-zuilen/matches/{match_id}/for/{jansen_id}"):
        page.goto(live_server + url)
        axe_check(page)
    page.goto(f"{live_server}/broker/kracht-van-zuilen")
    page.locator("nav.sub-nav a[href$='/phone-list']").click()
    axe_check(page)
    assert "Mevrouw Jansen" in page.locator("main").inner_text()
    page.emulate_media(media="print")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.print-page')).fontSize)")
    assert size >= 20  # 16pt on paper
    assert page.locator(".sub-nav").is_hidden()
