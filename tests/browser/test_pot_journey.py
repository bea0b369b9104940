"""The treasurer books money in (through the confirmation page) and corrects a booking; a member sees their
statement and room; axe scans."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser


def test_treasurer_books_and_member_reads_statement(browser, live_server, axe_check):
    els = browser.new_context(locale="nl-NL").new_page()
    log_in(els, live_server, "els@example.org")  # treasurer of Kracht van Zuilen in the demo
    els.locator("details.menu summary").click()  # the pot is under "Meer"
    els.locator("nav.site-nav a[href='/pot/']").click()
    expect(els.get_by_role("heading", level=1)).to_have_text("Pot en vergoedingen")
    axe_check(els)

    els.locator("a[href='/pot/kracht-van-zuilen/books']").first.click()
    expect(els.locator(".figures")).to_contain_text("€")
    expect(els.locator("figure.chart svg")).to_be_visible()
    axe_check(els)

    # money in: a gift, typed the Dutch way, shown as it will be booked before it is
    els.locator(".sub-nav a[href$='/book/income']").click()
    els.locator("#source-2").check()
    els.locator("#amount").fill("1.025,50")
    els.locator("#description").fill("Gift van de <b>buurtvereniging</b>")
    axe_check(els)
    els.locator("main button[type=submit]").click()
    summary = els.locator("main dl")
    expect(summary).to_contain_text("€ 1.025,50")
    expect(summary).to_contain_text("Gift van de <b>buurtvereniging</b>")
    axe_check(els)
    els.locator("main form button.primary").click()
    expect(els.locator(".flash-success")).to_be_visible()

    # the same gift again with a fresh form: asked whether it really happened twice; not booked again
    els.locator(".sub-nav a[href$='/book/income']").click()
    els.locator("#source-2").check()
    els.locator("#amount").fill("1025,50")
    els.locator("main button[type=submit]").click()
    expect(els.locator("main .notice[role=alert]")).to_be_visible()
    expect(els.locator("main form input[name=again]")).to_have_count(1)
    axe_check(els)

    # an impossible spending: changed once on the way, then refused with a clear message; nothing is booked
    els.locator(".sub-nav a[href$='/book/spending']").click()
    els.locator("#amount").fill("9999")
    els.locator("#description").fill("Te veel")
    els.locator("main button[type=submit]").click()
    expect(els.locator("main dl")).to_contain_text("€ 9.999,00")
    els.locator("main form button[name=change]").click()
    expect(els.locator("#amount")).to_have_value("9999")
    els.locator("#amount").fill("99999")
    els.locator("main button[type=submit]").click()
    expect(els.locator("main dl")).to_contain_text("€ 99.999,00")
    els.locator("main form button.primary").click()
    expect(els.locator(".flash-error")).to_contain_text("niet genoeg geld")
    expect(els.locator("#amount")).to_have_value("99999")

    # the month's statement shows the gift escaped; correct it
    els.locator(".sub-nav a[href*='/months/']").click()
    row = els.locator("tr", has_text="buurtvereniging")
    expect(row).to_contain_text("<b>buurtvereniging</b>")
    axe_check(els)
    row.get_by_role("link", name=re.compile("Corrigeren")).click()
    axe_check(els)
    els.locator("#reason").fill("Dubbel geboekt")
    els.locator("main button[type=submit]").click()
    expect(els.locator(".flash-success")).to_be_visible()
    expect(els.locator("tr", has_text="Dubbel geboekt")).to_be_visible()

    els.locator(".sub-nav a[href$='/settings']").click()
    expect(els.locator("#mode-2")).to_be_checked()  # the demo pot shares out by hours
    axe_check(els)

    # Ahmed helped last month: his share, his statement, his room under the limit
    ahmed = browser.new_context(locale="nl-NL").new_page()
    log_in(ahmed, live_server, "ahmed@example.org")
    ahmed.locator("details.menu summary").click()
    ahmed.locator("nav.site-nav a[href='/pot/']").click()
    expect(ahmed.locator("main")).to_contain_text("Nog aan je te betalen")
    ahmed.locator("#keep_under_limit").check()
    ahmed.locator("main form button[type=submit]").click()
    expect(ahmed.locator(".flash-success")).to_be_visible()
    expect(ahmed.locator("#keep_under_limit")).to_be_checked()
    axe_check(ahmed)
    ahmed.locator("a[href='/pot/kracht-van-zuilen/statement']").click()
    expect(ahmed.locator("table.data")).to_contain_text("Maandverdeling")
    axe_check(ahmed)
    # a member cannot open the books
    response = ahmed.goto(live_server + "/pot/kracht-van-zuilen/books")
    assert response.status == 403
