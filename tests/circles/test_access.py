"""Who may see and change each page of circles, for every role of the world (tests/circles/conftest.py ROLES).

Every route of the circles blueprint is a row of ROUTES (a test compares them with ``app.url_map``, so a new
route without a row fails): its address and form, and per role the status it answers. A circle is there only for
its members and its brokers: anyone else gets 404, as if it did not exist; a member who may see but not lead gets
403 on what only the leaders do; anonymous is sent to log in. Whoever is refused changes nothing.

The rota is the circle's too: its members and brokers see it, those who lead change its slots (``lead``), only
active members take, give back, swap and tick dates (a broker gets 403, a member refused for the date itself 400).
The calendar pages are every logged-in person's own; the calendar file needs no log-in, only its secret address,
so a row says what anonymous gets (``anonymous``: 302 is "sent to log in").

To add a page: add a row with ``see`` / ``lead`` / ``every`` or a dict of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import access
from buurthulp.accounts.models import InterestDirection
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category, DayPart
from buurthulp.circles import board_messages, invitations, rota, services, shifts
from buurthulp.circles import calendar as cal
from buurthulp.circles.models import (
    CalendarFeed,
    Circle,
    CircleInvite,
    CircleMember,
    CircleMessage,
    Frequency,
    RotaSlot,
    Shift,
    SlotKind,
    SlotSeries,
)
from buurthulp.extensions import db
from buurthulp.outbox import OutboxMail
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.timeutil import local_today
from tests.circles.conftest import ROLES, build_circles_world
from tests.posts.conftest import post_input
from tests.snapshots import built_once

LOGGED_IN = [r for r in ROLES if r != "anonymous"]
SEE = ("annie", "ria", "broker")  # the centre, an active member, the broker who looks after the circle
LEAD = ("annie", "broker")


@dataclass
class Row:
    url: str                    # with the keys of ``ids``: {circle}, {slot}, {feed}, ...
    form: dict | None = None    # None: a GET
    status: dict = field(default_factory=dict)  # role -> status; roles not named: ``others``
    others: int = 404
    anonymous: int = 302        # 302: sent to log in


def see(ok: int, **more) -> dict:
    return {**dict.fromkeys(SEE, ok), **more}


def lead(ok: int, member: int = 403, **more) -> dict:
    return {**dict.fromkeys(LEAD, ok), "ria": member, **more}


def every(ok: int, **more) -> dict:
    return {**dict.fromkeys(LOGGED_IN, ok), **more}


C = "/circles/{circle}"
# a slot as the form sends it: every day at ten, from today (also the unchanged first date of the slot in ``ids``)
SLOT_FORM = {"title": "Elke dag bellen", "category": Category.COMPANY.value, "kind": SlotKind.CHECK_IN.value,
             "frequency": Frequency.DAILY.value, "weekday": "", "timing": "time", "day_part": "0", "at_time": "10:00",
             "starts_on": "{today}"}
ROUTES: dict[tuple[str, str], Row] = {
    ("circles.index", "GET"): Row("/circles/", status=every(200)),
    ("circles.start", "GET"): Row("/circles/start", status=every(200)),
    ("circles.start", "POST"): Row("/circles/start", {"centre": "me"}, status=every(302, annie=400)),
    ("circles.proposal", "POST"): Row("/circles/{proposal}/proposal", {"answer": "yes"}, status={"treasurer": 302}),
    ("circles.invitation", "POST"): Row(C + "/invitation", {"answer": "yes"}, status={"joost": 302}),
    ("circles.circle", "GET"): Row(C, status=see(200)),
    ("circles.invite_link", "POST"): Row(C + "/invite/link", {}, status=lead(302)),
    ("circles.invite_mail", "POST"): Row(C + "/invite/mail", {"email": "dochter@example.com"}, status=lead(302)),
    ("circles.invite_neighbours", "POST"): Row(C + "/invite/neighbours", {"neighbours": "{treasurer}"},
                                               status=lead(302)),
    ("circles.member", "POST"): Row(C + "/members/{ria_member}", {"action": "coordinator"}, status=lead(302)),
    ("circles.leave", "POST"): Row(C + "/leave", {}, status={"ria": 302, "annie": 400, "broker": 403}),
    ("circles.end", "POST"): Row(C + "/end", {}, status=lead(302)),
    ("circles.join", "GET"): Row("/circles/join/{token}", status=every(200, annie=302, ria=302)),
    # Joost first: the CSRF test posts as the first role with a 302, and he is not in the circle yet
    ("circles.join", "POST"): Row("/circles/join/{token}", {"answer": "yes"}, status={"joost": 302, **every(302)}),
    ("circles.board", "GET"): Row(C + "/board", status=see(200)),
    ("circles.board", "POST"): Row(C + "/board", {"body": "Hallo kring"}, status=see(302)),
    ("circles.remove_message", "POST"): Row(C + "/board/{message}/remove", {},
                                            status={"ria": 302, "annie": 403, "broker": 403}),
    ("circles.hide_message", "POST"): Row(C + "/board/{message}/hide", {"action": "hide"}, status=lead(302)),
    ("circles.rota", "GET"): Row(C + "/rota", status=see(200)),
    # dates: an open one to take; Ria's own to give back, swap to Annie and tick (Annie: not hers, 400)
    ("circles.rota_take", "POST"): Row(C + "/rota/take", {"slot_id": "{slot}", "on_date": "{open_date}",
                                                          "what": "date"}, status=see(302, broker=403)),
    ("circles.rota_give_back", "POST"): Row(C + "/rota/give-back", {"slot_id": "{slot}", "on_date": "{ria_date}",
                                                                     "what": "date"},
                                            status=see(400, ria=302, broker=403)),
    ("circles.rota_swap", "POST"): Row(C + "/rota/swap", {"slot_id": "{slot}", "on_date": "{ria_date}",
                                                          "to_id": "{annie}"}, status=see(400, ria=302, broker=403)),
    ("circles.rota_done", "POST"): Row(C + "/rota/done", {"slot_id": "{slot}", "on_date": "{today}"},
                                       status=see(400, ria=302, broker=403)),
    # slots: those who lead
    ("circles.slot_new", "GET"): Row(C + "/rota/slots/new", status=lead(200)),
    ("circles.slot_new", "POST"): Row(C + "/rota/slots/new", SLOT_FORM, status=lead(302)),
    ("circles.slot_edit", "GET"): Row(C + "/rota/slots/{slot}", status=lead(200)),
    ("circles.slot_edit", "POST"): Row(C + "/rota/slots/{slot}", SLOT_FORM, status=lead(302)),
    ("circles.slot_stop", "POST"): Row(C + "/rota/slots/{slot}/stop", {"stop-last_day": "{ria_date}"},
                                       status=lead(302)),
    # the matcher's suggestion for a slot with open dates (the treasurer): those who lead invite them for it
    ("circles.slot_invite", "POST"): Row(C + "/rota/slots/{open_slot}/invite/{treasurer}", {}, status=lead(302)),
    # the calendar: everyone's own address; the file by its secret address (Annie's), without logging in
    ("circles.calendar_settings", "GET"): Row("/circles/calendar", status=every(200)),
    ("circles.calendar_new", "POST"): Row("/circles/calendar/new", {}, status=every(302)),
    ("circles.calendar_remove", "POST"): Row("/circles/calendar/remove", {}, status=every(302)),
    ("circles.calendar_feed", "GET"): Row("/calendar/{feed}.ics", status=every(200), anonymous=200),
}


def test_every_circles_route_is_checked_here(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("circles.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(ROUTES)


def _helped(asker, helper) -> None:
    ask = posts.create_post(db.session, asker, post_input(title="Lamp ophangen"))
    match = match_flow.respond(db.session, helper, ask)
    match_flow.accept(db.session, asker, match)
    match_flow.mark_done(db.session, helper, match, 60)
    match_flow.confirm_done(db.session, asker, match)


@pytest.fixture
def ids(app) -> dict:
    """The circles world with what the addresses name, built once per process and copied for each test (this
    file runs several hundred tests on it)."""
    return built_once("circles access", _build_ids)


def _build_ids() -> dict:
    """What the addresses name: Annie's circle, a proposal around the treasurer, Ria's membership and message,
    a fresh invitation link, and the treasurer as Annie's warm contact; a weekly slot of the rota from today, of
    which Ria took today (to tick) and next week (to give back or swap) and the week after is open; a weekly slot
    of groceries nobody took, for which the matcher suggests the treasurer; Annie's calendar address."""
    cw = build_circles_world()
    _helped(cw.annie, cw.treasurer)
    proposal = services.propose_circle(db.session, cw.ria, cw.treasurer)
    message = board_messages.post_message(db.session, cw.ria, cw.circle, "Bericht van Ria")
    token = invitations.invite_token(invitations.make_invite(db.session, cw.annie, cw.circle))
    today = local_today()
    slot = rota.add_slot(db.session, cw.annie, cw.circle, rota.SlotInput(
        title="Samen eten", category=Category.MEALS, kind=SlotKind.HELP, frequency=Frequency.WEEKLY,
        weekday=today.weekday(), day_part=DayPart.EVENING.value, at_time=None, starts_on=today), today=today)
    ria_date, open_date = today + timedelta(days=7), today + timedelta(days=14)
    shifts.take_date(db.session, cw.ria, slot, today, today=today)
    shifts.take_date(db.session, cw.ria, slot, ria_date, today=today)
    open_slot = rota.add_slot(db.session, cw.annie, cw.circle, rota.SlotInput(
        title="Boodschappen", category=Category.GROCERIES, kind=SlotKind.HELP, frequency=Frequency.WEEKLY,
        weekday=today.weekday(), day_part=DayPart.MORNING.value, at_time=None, starts_on=today), today=today)
    set_interests(cw.treasurer, InterestDirection.OFFER, [Category.GROCERIES])
    feed = cal.new_feed(db.session, cw.annie)
    db.session.commit()
    return {"circle": cw.circle.id, "proposal": proposal.id, "message": message.id, "token": token,
            "ria_member": access.membership(db.session, cw.ria, cw.circle).id, "treasurer": cw.treasurer.id,
            "annie": cw.annie.id, "slot": slot.id, "today": today, "ria_date": ria_date, "open_date": open_date,
            "open_slot": open_slot.id, "feed": feed.token}


def _snapshot() -> tuple:
    """Everything a circles route could change."""
    db.session.expire_all()
    rows = lambda *cols: tuple(db.session.execute(sa.select(*cols).order_by(*cols)))  # noqa: E731
    return (rows(Circle.id, Circle.status, Circle.ended_at, Circle.centre_id),
            rows(CircleMember.circle_id, CircleMember.neighbour_id, CircleMember.role, CircleMember.status),
            rows(CircleInvite.id, CircleInvite.used_at), rows(CircleMessage.id, CircleMessage.hidden_at),
            rows(RotaSlot.id, RotaSlot.title, RotaSlot.category, RotaSlot.kind, RotaSlot.frequency, RotaSlot.weekday,
                 RotaSlot.day_part, RotaSlot.at_time, RotaSlot.starts_on, RotaSlot.ends_on),
            rows(SlotSeries.id, SlotSeries.slot_id, SlotSeries.neighbour_id, SlotSeries.starts_on, SlotSeries.ends_on),
            rows(Shift.id, Shift.slot_id, Shift.on_date, Shift.taken_by_id, Shift.given_back, Shift.done_at,
                 Shift.check_in, Shift.note),
            rows(CalendarFeed.neighbour_id, CalendarFeed.token, CalendarFeed.created_at),
            db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_each_role_on_each_page(client, ids, key, role):
    row = ROUTES[key]
    if role != "anonymous":
        client.login(f"{role}@example.org")
    before = _snapshot()
    url = row.url.format(**ids)
    if row.form is None:
        response = client.get(url)
    else:
        response = client.post(url, {k: str(v).format(**ids) for k, v in row.form.items()})
    expected = row.anonymous if role == "anonymous" else row.status.get(role, row.others)
    assert response.status_code == expected, (role, response.status_code, response.get_data(as_text=True)[-800:])
    if role == "anonymous" and expected == 302:
        assert "/login" in response.headers["Location"]
    elif expected in (200, 302):
        return
    assert _snapshot() == before


@pytest.mark.parametrize("key", [k for k in ROUTES if k[1] == "POST"], ids=lambda k: f"{k[0]}-{k[1]}")
def test_every_post_needs_the_csrf_token(client, ids, key):
    row = ROUTES[key]
    role = next(r for r, status in row.status.items() if status == 302)
    client.login(f"{role}@example.org")
    before = _snapshot()
    response = client.post(row.url.format(**ids), {k: str(v).format(**ids) for k, v in row.form.items()},
                           csrf=False)
    assert response.status_code == 400
    assert _snapshot() == before


def test_an_unknown_circle_is_not_found(client, cw):
    client.login("annie@example.org")
    for url in ("/circles/999999", "/circles/999999/board", "/circles/0", "/circles/99999999999999999999"):
        assert client.get(url).status_code == 404, url


def test_site_admins_see_no_circle(client, cw):
    client.login("admin@example.org")
    for url in (f"/circles/{cw.circle.id}", f"/circles/{cw.circle.id}/board"):
        assert client.get(url).status_code == 404
    assert f"/circles/{cw.circle.id}" not in client.get("/circles/").get_data(as_text=True)


def test_the_rules_and_the_list_agree(cw):
    """``circles_brokered_by`` (the list) says what ``brokers_circle`` (the rule) says, for every role."""
    for name in LOGGED_IN:
        person = getattr(cw, name)
        listed = set(db.session.scalars(sa.select(Circle.id).where(access.circles_brokered_by(db.session, person))))
        assert (cw.circle.id in listed) == access.brokers_circle(db.session, person, cw.circle), name
