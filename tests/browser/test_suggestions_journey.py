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


def test_a_suggested_helper_hears_of_it_and_their_yes_is_the_match(browser, live_server, axe_check):
    import sqlalchemy as sa

    from buurthulp.accounts.models import Neighbour
    from buurthulp.posts.models import Match, MatchStatus

    with live_server.app.app_context():
        run_matching(db.session, utcnow())
        db.session.commit()
        match = db.session.scalars(sa.select(Match).where(Match.status == MatchStatus.SUGGESTED)
                                   .order_by(Match.id)).first()
        email, title = db.session.get(Neighbour, match.helper_id).email, match.ask.title
        assert match.ask.suggested_can_agree  # the demo's asks keep the form's default
        db.session.remove()
    helper = browser.new_context(locale="nl-NL").new_page()
    log_in(helper, live_server, email)
    helper.goto(live_server + "/notifications")
    told = helper.get_by_role("link", name=re.compile("Je zou kunnen helpen met")).first
    expect(told).to_be_visible()
    axe_check(helper)
    told.click()
    expect(helper.get_by_role("heading", level=1)).to_contain_text(title)
    axe_check(helper)
    helper.locator("form[action$='/respond'] button[type=submit]").click()
    expect(helper.locator(".flash-success")).to_be_visible()
    expect(helper.get_by_role("heading", name=re.compile("Afspraak"))).to_be_visible()  # agreed: contact details
    axe_check(helper)
