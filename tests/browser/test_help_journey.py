"""Ask -> respond -> accept -> message -> done -> confirm -> thanks, by two neighbours, with axe scans:
in Dutch and in English, on a phone (320 px) and a wide screen (1280 px)."""

import re

import pytest
from playwright.sync_api import expect

from buurthulp.core.cli import DEMO_PASSWORD

pytestmark = pytest.mark.browser


# The words the journey clicks, per language.
WORDS = {
    "nl": {"ask": "Ik zoek hulp", "help": "Ik kan helpen"},
    "en": {"ask": "I am looking for help", "help": "I can help"},
}


def log_in(page, base, email, language="nl"):
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    if language == "en":  # the demo neighbours read Dutch: switch in the menu, as a person would
        page.get_by_text("Meer", exact=True).click()
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def fits(page, width):
    """Nothing sticks out sideways: the page is no wider than the screen."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide on a {width} px screen"


@pytest.mark.parametrize("language,width", [("nl", 320), ("en", 1280), ("en", 320), ("nl", 1280)])
def test_ask_respond_accept_done_thanks(browser, live_server, axe_check, language, width):
    words = WORDS[language]
    screen = {"locale": f"{language}-NL", "viewport": {"width": width, "height": 800}}
    ria = browser.new_context(**screen).new_page()
    ahmed = browser.new_context(**screen).new_page()

    def check(page):
        axe_check(page)
        fits(page, width)

    # Ria asks for help
    log_in(ria, live_server, "ria@example.org", language)
    ria.get_by_role("link", name=words["ask"]).first.click()
    expect(ria.locator("#kind-0")).to_be_checked()
    check(ria)
    ria.locator("#category").select_option("administratie")
    ria.locator("#title").fill("Hulp bij een formulier <b>van de gemeente</b>")
    ria.locator("#description").fill("Het gaat om de aanvraag van een parkeervergunning.")
    ria.locator("#private_details").fill("Kerkweg 12, bel twee keer")
    ria.locator("#duration_minutes").select_option("60")
    ria.locator("main button[type=submit]").click()
    expect(ria.locator(".flash-success")).to_be_visible()
    expect(ria.get_by_role("heading", level=1)).to_have_text("Hulp bij een formulier <b>van de gemeente</b>")
    post_url = ria.url

    # Fatima, in the same neighbourhood, finds it nearby and responds
    log_in(ahmed, live_server, "fatima@example.org", language)
    ahmed.goto(live_server + "/posts?category=administratie")
    check(ahmed)
    ahmed.get_by_role("link", name=re.compile("Hulp bij een formulier")).click()
    expect(ahmed.get_by_text("Kerkweg 12")).to_have_count(0)  # private until both said yes
    check(ahmed)
    ahmed.locator("#note").fill("Ik help graag, dinsdagochtend?")
    ahmed.get_by_role("button", name=words["help"]).click()
    expect(ahmed.locator(".flash-success")).to_be_visible()
    match_url = ahmed.url

    # Ria sees the response and says yes
    ria.goto(post_url)
    ria.get_by_role("link", name=re.compile("Fatima")).first.click()
    expect(ria.get_by_text("Ik help graag, dinsdagochtend?")).to_be_visible()
    check(ria)
    ria.locator("form[action$='/accept'] button").click()
    expect(ria.locator(".flash-success")).to_be_visible()
    ria.locator("#body").fill("Fijn! Tot dinsdag.")
    ria.locator("form[action$='/messages'] button").click()

    # Fatima now sees the private details, answers, and marks it done after the visit
    ahmed.goto(match_url)
    expect(ahmed.get_by_text("Kerkweg 12, bel twee keer")).to_be_visible()
    expect(ahmed.get_by_text("Fijn! Tot dinsdag.")).to_be_visible()
    ahmed.locator("#hours").fill("1,5" if language == "nl" else "1.5")
    ahmed.locator("form[action$='/done'] button").click()
    expect(ahmed.locator(".flash-success")).to_be_visible()
    check(ahmed)

    # Ria confirms and says thank you
    ria.goto(match_url)
    ria.locator("form[action$='/confirm'] button").click()
    expect(ria.locator(".flash-success")).to_be_visible()
    ria.locator("#thanks_note").fill("Dank je wel, Fatima!")
    ria.locator("form[action$='/thanks'] button").click()
    expect(ria.get_by_text("Dank je wel, Fatima!")).to_be_visible()
    check(ria)

    # Fatima shows the note on his profile
    ahmed.goto(live_server + "/notifications")
    check(ahmed)
    ahmed.goto(match_url)
    ahmed.locator("a[href*='/neighbours/']").last.click()
    ahmed.locator("button[name=public][value='1']").click()
    ria.goto(ahmed.url)
    expect(ria.get_by_text("Dank je wel, Fatima!")).to_be_visible()
