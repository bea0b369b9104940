"""Register -> confirm (link from the outbox) -> log in -> fill in the profile, in Dutch, with axe scans."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_join_journey(page, live_server, axe_check):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Aanmelden").click()
    axe_check(page)
    page.get_by_label("Postcode").fill("3554ab")
    page.get_by_label("Je naam zoals buurtgenoten die zien").fill("Wim")
    page.get_by_label("E-mailadres").fill("wim@example.org")
    page.get_by_label("Wachtwoord").fill("kort")
    page.get_by_role("button", name="Aanmelden").click()
    # a weak password is refused with a message, and the form keeps what was filled in
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(page)
    expect(page.get_by_label("E-mailadres")).to_have_value("wim@example.org")
    page.get_by_label("Wachtwoord").fill("fietsen langs de vecht")
    page.get_by_role("button", name="Aanmelden").click()
    # the same answer whether or not the address has an account: check your mail
    expect(page.get_by_role("heading", level=1)).to_contain_text("e-mail")
    axe_check(page)

    # the confirmation mail, read from the development outbox; the link leads to logging in
    page.goto(live_server + "/dev/outbox")
    page.get_by_role("link", name=re.compile("Bevestig")).first.click()
    page.locator("pre.mail-body a[href*='/confirm/']").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_value("wim@example.org")
    page.get_by_label("Wachtwoord").fill("fietsen langs de vecht")
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/profile\?welcome=1"))

    # log out and in again
    page.locator("details.menu summary").click()  # log out is under "Meer"
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inloggen").click()
    axe_check(page)
    page.get_by_label("E-mailadres").fill("wim@example.org")
    page.get_by_label("Wachtwoord").fill("fietsen langs de vecht")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wim")
    expect(page.get_by_text("Zuilen").first).to_be_visible()

    # the profile: what I like to do and what I could use help with, when I am free
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Mijn profiel", exact=True).click()
    axe_check(page)
    page.get_by_role("group", name=re.compile("Wat ik graag voor anderen doe")).get_by_label("Klussen").check()
    page.get_by_role("group", name=re.compile("Waar ik hulp bij kan gebruiken")).get_by_label("Boodschappen").check()
    page.get_by_label(re.compile("^dinsdagochtend$", re.IGNORECASE)).check()
    page.get_by_role("button", name="Mijn profiel opslaan").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("Wat ik graag voor anderen doe")).get_by_label("Klussen")).to_be_checked()
    expect(page.get_by_label(re.compile("^dinsdagochtend$", re.IGNORECASE))).to_be_checked()
    axe_check(page)

    # the language switch, remembered on the next page
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="buurthulp", exact=True).click()  # the name at the top leads home
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_narrow_screen_has_no_sideways_scroll(page, live_server):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", "/register", "/login"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
