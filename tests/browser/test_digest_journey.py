"""The monthly digest: a broker previews a neighbour's digest; the neighbour unsubscribes from the mail; axe scans."""

import re

import pytest
from playwright.sync_api import expect

from buurthulp.extensions import db
from tests.browser.test_help_journey import log_in
from tests.conftest import read_outbox

pytestmark = pytest.mark.browser


def test_preview_send_and_unsubscribe(browser, live_server, axe_check):
    ahmed = browser.new_context(locale="nl-NL").new_page()
    log_in(ahmed, live_server, "ahmed@example.org")  # broker of Kracht van Zuilen
    ahmed.goto(live_server + "/broker/kracht-van-zuilen/neighbours")
    ahmed.locator("main a", has_text="Henk").first.click()
    ahmed.locator("main a[href^='/digest/preview/']").click()
    expect(ahmed.get_by_role("heading", level=1)).to_contain_text("Henk")
    axe_check(ahmed)

    # the month's digest goes out; Henk follows the unsubscribe link from his mail, without logging in
    with live_server.app.app_context():
        from buurthulp.accounts.models import DigestPreference, Neighbour
        from buurthulp.db import utcnow
        from buurthulp.digest.services import send_month
        from buurthulp.timeutil import local_today

        send_month(db.session, local_today(), utcnow())
        db.session.commit()
        db.session.remove()
    mails = [m for m in read_outbox(live_server.app) if m["To"] == "henk@example.org"]
    assert len(mails) == 1
    header = mails[0]["List-Unsubscribe"]
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<(https?://[^>]+)>", header).group(1)

    henk = browser.new_context(locale="nl-NL").new_page()
    henk.goto(url)
    axe_check(henk)
    henk.locator("main button[type=submit]").click()
    expect(henk.locator("main .flash-success")).to_be_visible()
    axe_check(henk)
    with live_server.app.app_context():
        henk_row = db.session.scalars(db.select(Neighbour).where(Neighbour.email == "henk@example.org")).one()
        assert henk_row.digest == DigestPreference.OFF
        db.session.remove()
