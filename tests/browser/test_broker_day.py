"""A dorpsondersteuner's working day, in the browser: filter the queue, say "I'm on it", choose a helper from the
candidate list by load and a time that fits, propose with a note, answer for a neighbour without internet after
a phone call, confirm the help is done for them, follow it up, and print the phone list; axe on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import proxies
from buurthulp.broker.models import ConsentWay
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts import matches as match_flow
from buurthulp.posts.models import Match, PostKind, Timing
from buurthulp.posts.services import PostInput
from buurthulp.timeutil import local_today
from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser

QUEUE = "/broker/kracht-van-zuilen"


def _a_proxy_with_an_answer_to_give(app) -> tuple[int, int]:
    """Mevrouw Jansen (no internet) asks for groceries; Joost offers to help: she has to be called."""
    with app.app_context():
        ahmed = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "ahmed@example.org"))
        joost = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "joost@example.org"))
        kracht = db.session.scalar(db.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
        jansen, _ = proxies.register_proxy(
            db.session, ahmed, kracht, key="broker-day", asked_by="haar dochter", consent_way=ConsentWay.BY_PHONE,
            consent_on=local_today(), agreed=True, name="Mevrouw Jansen", contact_route="06 12345678",
            postcode="3554 AB", needs=[Category.GROCERIES.value])
        today = local_today()
        ask = proxies.post_for(db.session, ahmed, kracht, jansen, PostInput(
            kind=PostKind.ASK, category=Category.GROCERIES, title="Boodschappen voor mevrouw Jansen",
            description="Een tas met de vaste boodschappen.", private_details="", timing=Timing.FLEXIBLE,
            period_start=today, period_end=today + timedelta(days=10)))
        match = match_flow.respond(db.session, joost, ask, "Ik doe het graag op zaterdag")
        db.session.commit()
        ids = jansen.id, match.id
        db.session.remove()
    return ids


def test_a_brokers_day(browser, live_server, axe_check):
    jansen_id, match_id = _a_proxy_with_an_answer_to_give(live_server.app)
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, "ahmed@example.org")  # broker of Kracht van Zuilen in the demo
    page.goto(live_server + QUEUE)
    axe_check(page)

    # filter the queue: asks for company, nobody's yet, soonest date first
    page.get_by_text("Filteren en volgorde").click()
    page.get_by_label("Soort hulp").select_option(Category.COMPANY.value)
    page.get_by_label("Wie is ermee bezig").select_option("unclaimed")
    page.get_by_label("Volgorde").select_option("urgency")
    page.get_by_role("button", name="Laat zien").click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("kop koffie")
    axe_check(page)

    # "I'm on it": the other brokers see who handles Mieke's ask
    rows.first.get_by_role("button", name=re.compile("Ik pak het op")).click()
    expect(page.locator(".flash-success")).to_contain_text("Je bent ermee bezig")
    page.get_by_label("Wie is ermee bezig").select_option("mine")
    page.get_by_role("button", name="Laat zien").click()
    expect(page.locator("table.data tbody tr").first).to_contain_text("Jij")

    # choose a helper: the candidate list shows the load and whether a time fits; take one who is free then
    # and has nothing open yet, and propose with a note
    page.get_by_role("link", name=re.compile("kop koffie")).click()
    expect(page.get_by_text("Jij bent ermee bezig")).to_be_visible()
    candidates = page.locator("ul.candidates > li")
    chosen = candidates.filter(has_text="Kan op een tijd die past").filter(has_text="0 afspraken open").first
    name = chosen.locator("label strong").inner_text()
    chosen.locator("input[type=radio]").check()
    page.locator("#note").fill(f"{name} woont vlakbij en is vaak vrij.")
    page.get_by_role("button", name="Aan allebei voorstellen").click()
    expect(page.locator(".flash-success")).to_be_visible()
    axe_check(page)

    # a neighbour without internet has an answer to give: the broker calls her and answers for her
    page.goto(f"{live_server}{QUEUE}?section=phone")
    axe_check(page)
    page.locator(f"a[href$='/matches/{match_id}']").first.click()
    page.get_by_label("Ja, de buurtgenoot wil dit graag").check()
    page.locator("form[action*='/consent/'] input[name=note]").fill("Telefonisch, vanochtend")
    page.locator("form[action*='/consent/'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    axe_check(page)

    # on the day Joost says the help is done; the broker confirms it for her, with the hours
    with live_server.app.app_context():
        match = db.session.get(Match, match_id)
        match_flow.mark_done(db.session, match.helper, match, 60)
        db.session.commit()
        db.session.remove()
    page.reload()
    page.get_by_label("Hoeveel uur duurde het?").fill("1,5")
    page.get_by_role("button", name="Bevestig dat het klaar is").click()
    expect(page.locator(".flash-success")).to_contain_text("Mevrouw Jansen")
    axe_check(page)

    # some days later: "how did it go?" from the follow-up section
    with live_server.app.app_context():
        match = db.session.get(Match, match_id)
        match.done_at = utcnow() - timedelta(days=4)
        db.session.commit()
        db.session.remove()
    page.goto(f"{live_server}{QUEUE}?section=follow_up")
    page.locator(f"a[href$='/matches/{match_id}']").first.click()
    page.get_by_label("Het ging goed").check()
    page.locator("form[action$='/follow-up'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # the phone list, printed: Mevrouw Jansen and how to reach her
    page.get_by_role("navigation", name="Menu buurtmakelaar").get_by_role("link", name="Bellijst").click()
    axe_check(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Mevrouw Jansen")
    expect(page.locator("main")).to_contain_text("06 12345678")
