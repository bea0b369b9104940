"""A support circle in the browser: a broker starts a circle around a neighbour without internet and makes an
invitation link; two neighbours join with it and the broker lets them in; the broker adds a daily check-in to
the rota; one neighbour takes today's date and ticks "all is well"; the other missed yesterday's, and the broker
sees the flag. axe on every page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import proxies
from buurthulp.broker.models import ConsentWay
from buurthulp.categories import Category
from buurthulp.circles.models import Circle, RotaSlot, Shift
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.scheduler import registered_jobs, run_job
from buurthulp.timeutil import LOCAL, local_today
from tests.browser.test_help_journey import log_in

pytestmark = pytest.mark.browser


def _jansen(app) -> tuple[int, int]:
    """Mevrouw Jansen, without internet, represented by Ahmed's initiative."""
    with app.app_context():
        ahmed = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "ahmed@example.org"))
        kracht = db.session.scalar(db.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
        jansen, _ = proxies.register_proxy(
            db.session, ahmed, kracht, key="circle-journey", asked_by="haar dochter", consent_way=ConsentWay.BY_PHONE,
            consent_on=local_today(), agreed=True, name="Mevrouw Jansen", contact_route="06 12345678",
            postcode="3554 AB", needs=[Category.COMPANY.value])
        db.session.commit()
        ids = kracht.id, jansen.id
        db.session.remove()
    return ids


def test_a_circle_around_a_neighbour_without_internet(browser, live_server, axe_check):
    kracht_id, jansen_id = _jansen(live_server.app)
    broker = browser.new_context(locale="nl-NL").new_page()
    log_in(broker, live_server, "ahmed@example.org")

    # the broker starts the circle from the menu: "Mijn kringen" -> start one around Mevrouw Jansen
    menu = broker.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_text("Meer").click()
    menu.get_by_role("link", name="Mijn kringen").click()
    axe_check(broker)
    broker.locator("main a[href$='/circles/start']").first.click()
    broker.locator(f"input[name=centre][value='proxy-{kracht_id}-{jansen_id}']").check()
    broker.locator("textarea[name=about]").fill("Samen zorgen dat mevrouw Jansen thuis kan blijven wonen.")
    broker.locator("form[action$='/circles/start'] button[type=submit]").click()
    expect(broker.get_by_role("heading", level=1)).to_contain_text("Mevrouw Jansen")
    axe_check(broker)
    circle_url = broker.url.split("?")[0]

    # an invitation link for each of two neighbours (a link works once)
    for email in ("fatima@example.org", "joost@example.org"):
        broker.goto(circle_url)
        broker.locator("form[action$='/invite/link'] button[type=submit]").click()
        link = broker.locator("input[id^='invite-'][readonly]").first.input_value()
        neighbour = browser.new_context(locale="nl-NL").new_page()
        log_in(neighbour, live_server, email)
        neighbour.goto(link)
        expect(neighbour.locator("main")).to_contain_text("Mevrouw Jansen")  # who is at the centre, before joining
        axe_check(neighbour)
        neighbour.locator("button[name=answer][value=yes]").click()
        expect(neighbour.locator(".flash-success")).to_be_visible()
        neighbour.context.close()

    # the broker lets both in
    broker.goto(circle_url)
    for _ in range(2):
        broker.locator("button[name=action][value=approve]").first.click()
        expect(broker.locator(".flash-success")).to_be_visible()
    expect(broker.locator("button[name=action][value=approve]")).to_have_count(0)
    axe_check(broker)

    # a phone call every day at 10:00, as a check-in
    broker.goto(circle_url + "/rota/slots/new")
    axe_check(broker)
    broker.locator("input[name=title]").fill("Even bellen")
    broker.locator("select[name=category]").select_option(Category.COMPANY.value)
    broker.locator("input[name=kind][value=check_in]").check()
    broker.locator("input[name=frequency][value=daily]").check()
    broker.locator("input[name=timing][value=time]").check()
    broker.locator("input[name=at_time]").fill("10:00")
    broker.locator("input[name=starts_on]").fill(local_today().isoformat())
    broker.locator("form[action$='/rota/slots/new'] button[type=submit]").click()
    expect(broker.locator(".flash-success")).to_be_visible()

    # yesterday Joost had the call and did not tick it; the night's job flags it
    with live_server.app.app_context():
        circle = db.session.scalar(db.select(Circle).where(Circle.centre_id == jansen_id))
        slot = db.session.scalar(db.select(RotaSlot).where(RotaSlot.circle_id == circle.id))
        joost = db.session.scalar(db.select(Neighbour).where(Neighbour.email == "joost@example.org"))
        yesterday = local_today() - timedelta(days=1)
        slot.starts_on = yesterday
        db.session.add(Shift(slot_id=slot.id, on_date=yesterday, taken_by_id=joost.id))
        db.session.commit()
        night = datetime.combine(local_today(), time(0, 30), tzinfo=LOCAL)
        run = run_job(registered_jobs()["circle_missed_check_ins"], night)
        assert run is not None and run.outcome.value == "ok", run and run.error
        db.session.remove()

    # Fatima takes today's call and says all is well
    fatima = browser.new_context(locale="nl-NL").new_page()
    log_in(fatima, live_server, "fatima@example.org")
    fatima.goto(circle_url + "/rota")
    axe_check(fatima)
    today = local_today().isoformat()
    fatima.locator(f"form[action$='/rota/take']:has(input[name=on_date][value='{today}']) "
                   "button[name=what][value=date]").click()
    expect(fatima.locator(".flash-success")).to_be_visible()
    tick = fatima.locator(f"form[action$='/rota/done']:has(input[name=on_date][value='{today}'])")
    tick.locator("input[name=outcome][value=all_well]").check()
    tick.locator("button[type=submit]").click()
    expect(fatima.locator(".flash-success")).to_be_visible()
    axe_check(fatima)

    # the broker sees the missed check-in, and how today's went
    broker.goto(circle_url + "/rota")
    flagged = broker.locator("section[aria-labelledby=flagged-heading]")
    expect(flagged).to_contain_text("Joost")
    expect(broker.locator("section[aria-labelledby=check-ins-heading]")).to_contain_text("Fatima")
    axe_check(broker)
