"""Activities you can join, in the browser (issue 20): a neighbour puts on a weekly coffee morning from the menu; it
shows in the list and in the week; Henk says "Ik kom" and a broker signs up Mevrouw Jansen (no internet) from her
page; Henk asks for a lift, Els (coming too) offers one, and the matcher suggests Els to Henk; the organiser
cancels the first date with a note and everyone coming gets a mail in Dutch. axe on every page."""

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
from buurthulp.matching.services import run_matching
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.timeutil import local_today
from tests.browser.test_help_journey import log_in
from tests.conftest import mail_text, read_outbox

pytestmark = pytest.mark.browser

TITLE = "Koffieochtend aan de Vecht"
WHERE = "In de tuin achter de Kerkzaal, Prinses Christinastraat 2"
NOTE = "De tuin staat onder water na de storm."


def _jansen(app) -> int:
    """Mevrouw Jansen, without internet, represented by Ahmed's initiative (Kracht van Zuilen)."""
    with app.app_context():
        ahmed = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "ahmed@example.org"))
        kracht = db.session.scalar(db.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
        jansen, _ = proxies.register_proxy(
            db.session, ahmed, kracht, key="activities-journey", asked_by="haar dochter",
            consent_way=ConsentWay.BY_PHONE, consent_on=local_today(), agreed=True, name="Mevrouw Jansen",
            contact_route="06 12345678", postcode="3554 AB", needs=[Category.COMPANY.value])
        db.session.commit()
        jansen_id = jansen.id
        db.session.remove()
    return jansen_id


def _neighbour(browser, live_server, email):
    page = browser.new_context(locale="nl-NL").new_page()
    log_in(page, live_server, email)
    return page


def test_a_weekly_coffee_morning_with_a_lift_and_a_cancelled_date(browser, live_server, axe_check):
    _jansen(live_server.app)
    first = local_today() + timedelta(days=1)  # tomorrow: still to come whatever the time of day
    date_key = first.isoformat()

    # Fatima opens Activities from the menu and puts on a weekly coffee morning
    fatima = _neighbour(browser, live_server, "fatima@example.org")
    menu = fatima.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_text("Meer", exact=True).click()
    menu.get_by_role("link", name="Activiteiten").click()
    expect(fatima.get_by_role("heading", level=1)).to_have_text("Activiteiten")
    axe_check(fatima)  # the list
    fatima.get_by_role("link", name="Organiseer een activiteit").first.click()
    expect(fatima.get_by_role("heading", level=1)).to_have_text("Organiseer een activiteit")
    axe_check(fatima)  # the form
    fatima.get_by_label("Naam van de activiteit").fill(TITLE)
    fatima.get_by_label("Wat voor activiteit is het?").select_option(label="Koffie en ontmoeting")
    fatima.get_by_label("Wat gaan jullie doen? (niet verplicht)", exact=False).fill(
        "Een kop koffie en een praatje met de buren. Iedereen is welkom.")
    fatima.get_by_label("Plek", exact=True).select_option(label="Ergens anders (zeg hieronder waar)")
    fatima.get_by_label("Of zeg waar het is").fill(WHERE)
    fatima.get_by_label("Datum", exact=True).fill(date_key)
    fatima.get_by_label("Begintijd").fill("10:00")
    fatima.get_by_label("Elke week").check()
    fatima.get_by_label("Hoeveel mensen kunnen er komen? (niet verplicht)").fill("8")
    fatima.get_by_role("button", name="Activiteit plaatsen").click()
    expect(fatima.locator(".flash-success")).to_be_visible()
    expect(fatima.get_by_role("heading", level=1)).to_have_text(TITLE)
    axe_check(fatima)  # the activity page
    activity_url = fatima.url.split("?")[0]
    date_url = f"{activity_url}/{date_key}"

    # it shows in the list, and in the week of its first date
    fatima.get_by_role("link", name="Terug naar activiteiten").click()
    expect(fatima.locator(f"article[data-date$='-{date_key}']", has_text=TITLE)).to_be_visible()
    fatima.get_by_role("link", name="Laat een week zien").click()
    expect(fatima.get_by_role("heading", level=1)).to_contain_text("Activiteiten van")
    if first.weekday() == 0:  # today is Sunday: tomorrow is in next week
        fatima.get_by_role("link", name="Volgende week").click()
    day = fatima.locator(f"section[aria-labelledby='day-{date_key}']")
    expect(day.get_by_role("link", name=TITLE)).to_be_visible()
    axe_check(fatima)  # the week

    # Henk comes, and asks for a lift
    henk = _neighbour(browser, live_server, "henk@example.org")
    henk.goto(live_server + "/activities/")
    henk.locator(f"article[data-date$='-{date_key}']", has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(henk.get_by_role("heading", level=1)).to_contain_text(TITLE)
    henk.get_by_role("button", name="Ik kom", exact=True).click()
    expect(henk.locator(".flash-success")).to_contain_text("Je komt")
    axe_check(henk)  # the date, as a neighbour
    henk.get_by_role("button", name="Ik zoek vervoer").click()
    expect(henk.locator(".flash-success")).to_be_visible()
    expect(henk.get_by_role("heading", level=1)).to_contain_text(TITLE)  # the lift ask's page
    lift_url = henk.url

    # Ahmed, broker of Kracht van Zuilen, signs up Mevrouw Jansen from her page
    ahmed = _neighbour(browser, live_server, "ahmed@example.org")
    menu = ahmed.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_text("Meer", exact=True).click()
    menu.get_by_role("link", name="Dorpsondersteuner").click()
    ahmed.get_by_role("navigation", name="Menu buurtmakelaar").get_by_role("link", name="Buurtgenoten").click()
    ahmed.get_by_role("link", name="Mevrouw Jansen").first.click()
    expect(ahmed.get_by_role("heading", level=1)).to_have_text("Mevrouw Jansen")
    ahmed.get_by_role("link", name="Activiteiten voor Mevrouw Jansen").click()
    expect(ahmed.get_by_role("heading", level=1)).to_have_text("Activiteiten voor Mevrouw Jansen")
    axe_check(ahmed)  # the broker's activities page
    card = ahmed.locator(f"li[id^='date-'][id$='-{date_key}']", has_text=TITLE)
    card.get_by_role("button", name=re.compile("^Mevrouw Jansen aanmelden")).click()
    expect(ahmed.locator(".flash-success")).to_contain_text("Mevrouw Jansen is aangemeld")
    expect(card).to_contain_text("Mevrouw Jansen komt")
    axe_check(ahmed)

    # Els comes too, and can take someone along
    els = _neighbour(browser, live_server, "els@example.org")
    els.goto(date_url)
    els.get_by_role("button", name="Ik kom", exact=True).click()
    expect(els.locator(".flash-success")).to_contain_text("Je komt")
    lifts = els.get_by_role("region", name="Er naartoe")
    expect(lifts).to_contain_text("Henk")  # Henk looks for a lift
    els.get_by_role("button", name="Ik neem iemand mee").click()
    expect(els.locator(".flash-success")).to_be_visible()

    # the matcher runs; Henk finds Els among the neighbours who could take him, from "Mijn hulp"
    with live_server.app.app_context():
        run_matching(db.session, utcnow())
        db.session.commit()
        db.session.remove()
    henk.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn hulp").click()
    henk.locator(f"main a[href='{lift_url.removeprefix(live_server)}']").first.click()
    suggestions = henk.locator("ol.suggestions > li")
    expect(suggestions.filter(has=henk.get_by_role("heading", name="Els"))).to_have_count(1)
    axe_check(henk)

    # the organiser sees who comes on the date, and cancels it with a note
    fatima.goto(date_url)
    people = fatima.get_by_role("region", name="Voor de organisatoren")
    for name in ("Henk", "Mevrouw", "Els"):
        expect(people.locator("li[data-person]", has_text=name)).to_have_count(1)
    axe_check(fatima)  # the date, as the organiser
    people.locator("summary", has_text="Deze datum afzeggen").click()
    people.get_by_label("Waarom gaat het niet door? (niet verplicht)").fill(NOTE)
    people.get_by_role("button", name="Deze datum afzeggen").click()
    expect(fatima.locator(".flash-success")).to_be_visible()
    expect(fatima.locator("main .notice")).to_contain_text(NOTE)
    axe_check(fatima)

    # everyone coming gets a mail at once, in Dutch, naming the activity; a lift to a cancelled date is closed
    mails = {m["To"]: m for m in read_outbox(live_server.app) if TITLE in str(m["Subject"])}
    assert set(mails) == {"henk@example.org", "els@example.org"}, [m["To"] for m in read_outbox(live_server.app)]
    for mail in mails.values():
        assert "gaat niet door" in mail["Subject"]
        body = mail_text(mail)
        assert body.startswith("Hallo ") and NOTE in body and date_url.removeprefix(live_server) in body
    henk.goto(date_url)
    expect(henk.locator("main .notice")).to_contain_text("Deze datum gaat niet door")
    ahmed.reload()
    expect(card).to_contain_text("Deze datum gaat niet door")
