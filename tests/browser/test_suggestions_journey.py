"""The matcher suggests -> the asker picks a helper -> the helper says yes, in Dutch, with axe scans."""

import re

import pytest
from playwright.sync_api import expect

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching.services import run_matching
from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser


def test_asker_picks_a_suggested_helper(browser, live_server, axe_check):
    with live_server.app.app_context():
        run_matching(db.session, utcnow())
        db.session.commit()
        db.session.remove()
    henk = browser.new_context(locale="nl-NL").new_page()
    log_in(henk, live_server, "henk@example.org")
    henk.goto(live_server + "/my/posts")
    henk.locator("section[aria-labelledby=posts-heading]").get_by_role("link", name=re.compile("boodschappen")).click()
    suggestions = henk.locator("ol.suggestions > li")
    expect(suggestions.first).to_be_visible()
    expect(suggestions.first.locator("ul li").first).to_be_visible()  # the reasons, in words
    axe_check(henk)
    helper_name = suggestions.first.locator("h3").inner_text()
    suggestions.first.locator("form[action$='/accept'] button").click()
    expect(henk.locator(".flash-success")).to_be_visible()
    axe_check(henk)

    helper = browser.new_context(locale="nl-NL").new_page()
    email = {"Mieke": "mieke@example.org", "Ahmed": "ahmed@example.org", "Joost": "joost@example.org",
             "Fatima": "fatima@example.org", "Yusuf": "yusuf@example.org"}[helper_name]
    log_in(helper, live_server, email)
    helper.goto(live_server + "/notifications")
    helper.get_by_role("link", name=re.compile("boodschappen")).first.click()
    axe_check(helper)
    helper.locator("form[action$='/accept'] button").click()
    expect(helper.locator(".flash-success")).to_be_visible()
    expect(helper.get_by_role("heading", name=re.compile("Afspraak"))).to_be_visible()
