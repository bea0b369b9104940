"""The broker's queue -> broker a match -> follow-up, with axe scans; the print-out in print media."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from buurthulp.broker import services as broker
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser


def test_queue_broker_a_match_and_follow_up(browser, live_server, axe_check):
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, "ahmed@example.org")  # broker of Kracht van Zuilen in the demo
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_text("Meer").click()
    menu.get_by_role("link", name="Dorpsondersteuner").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kracht van Zuilen")
    axe_check(page)

    # an ask without a match: Mieke's wish for company; propose Joost by hand
    page.get_by_role("link", name=re.compile("kop koffie")).click()
    axe_check(page)
    page.locator("#q").fill("Joost")
    page.locator("form[role=search] button").click()
    page.get_by_label(re.compile("^Joost")).check()
    page.locator("#note").fill("Joost wandelt graag en woont vlakbij.")
    page.locator("form[action$='/match'] button.primary").last.click()
    expect(page.locator(".flash-success")).to_be_visible()
    axe_check(page)

    # the help took place; the broker follows up from the queue
    with live_server.app.app_context():
        from buurthulp.posts.models import Match

        match = db.session.scalars(db.select(Match).where(Match.note.like("Joost wandelt%"))).one()
        match_flow.accept(db.session, match.asker, match)
        match_flow.accept(db.session, match.helper, match)
        match_flow.mark_done(db.session, match.helper, match, 60)
        match_flow.confirm_done(db.session, match.asker, match, now=utcnow() - timedelta(days=4))
        db.session.commit()
        match_id = match.id
        db.session.remove()
    page.goto(live_server + "/broker/kracht-van-zuilen?section=follow_up")
    page.locator(f"a[href$='/matches/{match_id}']").first.click()
    page.get_by_label("Het ging goed").check()
    page.locator("form[action$='/follow-up'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_print_out_for_a_neighbour_without_internet(browser, live_server, axe_check):
    with live_server.app.app_context():
        from buurthulp.neighbourhoods.models import Initiative

        ahmed = db.session.scalars(db.select(posts.Neighbour).where(posts.Neighbour.email == "ahmed@example.org")).one()
        kracht = db.session.scalars(db.select(Initiative).where(Initiative.slug == "kracht-van-zuilen")).one()
        jansen = broker.add_proxy(db.session, ahmed, kracht, name="Mevrouw Jansen", contact_route="06 12345678",
                                  postcode="3554 AB", likes=[], needs=["boodschappen"])
        db.session.commit()
        jansen_id = jansen.id
        db.session.remove()
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, "ahmed@example.org")
    page.goto(f"{live_server}/broker/kracht-van-zuilen/neighbours/{jansen_id}")
    axe_check(page)
    page.get_by_role("link", name="Afdrukbaar overzicht").click()
    axe_check(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mevrouw Jansen")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.print-page')).fontSize)")
    assert size >= 20  # 16pt = 21.3px: large type on paper
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
