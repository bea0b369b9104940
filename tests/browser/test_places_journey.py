"""The living map: a neighbour adds a place -> a coordinator checks it -> a story -> a "ga mee" post; axe scans."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser


def test_add_review_story_and_go_along(browser, live_server, axe_check):
    fatima = browser.new_context(locale="nl-NL").new_page()
    log_in(fatima, live_server, "fatima@example.org")  # lives in Zuilen, no role anywhere
    fatima.locator("details.menu summary").click()  # places are under "Meer"
    fatima.locator("nav.site-nav a[href='/places/']").click()
    expect(fatima.locator("main")).to_contain_text("Wandelgroep langs de Vecht")
    axe_check(fatima)

    fatima.locator("main a.button.primary[href='/places/new']").click()
    axe_check(fatima)
    fatima.locator("main button[type=submit]").click()  # nothing filled in: a clear message
    expect(fatima.locator(".error-summary")).to_be_visible()
    axe_check(fatima)
    fatima.locator("#name").fill("Naaicafé <i>Zuilen</i>")
    fatima.locator("#kind").select_option("club")
    fatima.locator("#where_note").fill("In de kerk aan de Burgemeester Norbruislaan, zij-ingang")
    fatima.locator("#activities-0-title").fill("Samen naaien en kletsen")
    fatima.locator("#activities-0-weekday").select_option("2")
    fatima.locator("#activities-0-starts_at").fill("14:00")
    fatima.locator("#activities-0-ends_at").fill("16:00")
    fatima.locator("main button[type=submit]").click()
    expect(fatima.locator(".flash-success")).to_be_visible()
    expect(fatima.get_by_role("heading", level=1)).to_have_text("Naaicafé <i>Zuilen</i>")
    expect(fatima.locator(".notice")).to_be_visible()  # waits for a check
    place_url = fatima.url

    # someone else cannot see it yet
    joost = browser.new_context(locale="nl-NL").new_page()
    log_in(joost, live_server, "joost@example.org")
    assert joost.goto(place_url).status == 404

    # Ria, coordinator of Kracht van Zuilen, checks it from her queue
    ria = browser.new_context(locale="nl-NL").new_page()
    log_in(ria, live_server, "ria@example.org")
    ria.goto(live_server + "/places/check")
    axe_check(ria)
    ria.locator("li.card", has_text="Naaicafé").locator("input[value=approve] + input + button").click()
    expect(ria.locator(".flash-success")).to_be_visible()

    # now Joost (next door, in Ondiep) sees it, tells about it, and asks who goes along
    joost.goto(place_url)
    expect(joost.locator("main")).to_contain_text("14:00")
    axe_check(joost)
    joost.locator("#body").fill("Ik was er vorige week; je hoeft niet te kunnen naaien, de koffie is goed.")
    joost.locator("form[action$='/stories'] button").click()
    expect(joost.locator(".flash-success")).to_be_visible()
    expect(joost.locator("#stories-section")).to_contain_text("de koffie is goed")
    joost.locator("a[href*='kind=ask'][href*='place_id=']").click()
    expect(joost.locator("#kind-0")).to_be_checked()
    expect(joost.locator("#category")).to_have_value("gezelschap")
    axe_check(joost)
    joost.locator("#title").fill("Wie gaat woensdag mee naar het naaicafé?")
    joost.locator("main button[type=submit]").click()
    expect(joost.locator(".flash-success")).to_be_visible()
    expect(joost.locator("main a[href^='/places/']")).to_contain_text("Naaicafé")
    joost.goto(place_url)
    expect(joost.locator("main")).to_contain_text("Wie gaat woensdag mee naar het naaicafé?")
