"""Who may see and do what on each page of activities, for every role of the world (tests/activities/conftest.py).

Every route of the activities blueprint is a row of ROUTES (a test compares them with ``app.url_map``, so a new
route without a row fails); the lifts' and the calendar's rows come from routes_lifts.py and routes_calendar.py,
whose docstrings say the format. An activity is there for neighbours of its own and the adjacent neighbourhoods:
Karin, far away, gets 404 as if it did not exist; someone who sees it but may not do this gets 403 (organisers'
and moderators' buttons); anonymous is sent to log in. Whoever is refused changes nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from buurthulp import access
from buurthulp.activities import services, signups
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivityKind,
    ActivityMessage,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
    Repeat,
)
from buurthulp.extensions import db
from buurthulp.outbox import OutboxMail
from buurthulp.posts.models import Notification, Post, Report
from buurthulp.posts.moderation import block
from buurthulp.timeutil import local_to_utc, local_today
from tests.activities import routes_calendar, routes_lifts
from tests.activities.conftest import ROLES, build_activities_world
from tests.snapshots import built_once

LOGGED_IN = [r for r in ROLES if r != "anonymous"]
SEE = ("otto", "anna", "joost", "broker", "coordinator", "treasurer", "admin")  # all but Karin, far away
MODERATE = ("broker", "coordinator", "admin")


@dataclass
class Row:
    url: str                    # with the keys of ``ids``: {coffee}, {first}, ...
    form: dict | None = None    # None: a GET
    status: dict = field(default_factory=dict)  # role -> status; roles not named: ``others``
    others: int = 404
    anonymous: int = 302        # 302: sent to log in


def see(ok: int, **more) -> dict:
    return {**dict.fromkeys(SEE, ok), **more}


def organise(ok: int, others: int = 403, **more) -> dict:
    """Otto organises; whoever else sees it gets ``others``."""
    return {**dict.fromkeys(SEE, others), "otto": ok, **more}


def every(ok: int, **more) -> dict:
    return {**dict.fromkeys(LOGGED_IN, ok), **more}


A = "/activities/{coffee}"
D = "/activities/{coffee}/{first}"
W = "/activities/{walk}/{past}"
ACTIVITY_FORM = {"title": "Samen zingen", "kind": "creative", "place_id": "", "place_note": "In de kerk",
                 "starts_on": "{second}", "start_time": "14:00", "duration": "90", "repeat": "weekly",
                 "repeat_until": "", "capacity": "10", "cost": "free", "cost_amount": "", "audience": "everyone",
                 "audience_note": "", "initiative_id": "", "show_notes": "y"}
ROUTES: dict[tuple[str, str], Row] = {
    ("activities.index", "GET"): Row("/activities/", status=every(200)),
    ("activities.week", "GET"): Row("/activities/week?start={first}", status=every(200)),
    ("activities.mine", "GET"): Row("/activities/mine", status=every(200)),
    ("activities.new", "GET"): Row("/activities/new", status=every(200)),
    ("activities.new", "POST"): Row("/activities/new", ACTIVITY_FORM, status=every(302)),
    ("activities.detail", "GET"): Row(A, status=see(200)),
    ("activities.edit", "GET"): Row(A + "/edit", status=organise(200)),
    ("activities.edit", "POST"): Row(A + "/edit", {**ACTIVITY_FORM, "starts_on": "{first}"}, status=organise(302)),
    ("activities.cancel", "POST"): Row(A + "/cancel", {}, status=organise(302)),
    ("activities.hide", "POST"): Row(A + "/hide", {"action": "hide"}, status=see(403, **dict.fromkeys(MODERATE, 302))),
    ("activities.report", "GET"): Row(A + "/report", status=see(200)),
    ("activities.report", "POST"): Row(A + "/report", {"reason": "Dit is reclame"}, status=see(302)),
    ("activities.add_organiser", "POST"): Row(A + "/organisers/{anna}", {}, status=organise(302)),
    # the walk has two organisers: Otto may stop (the coffee morning's only organiser may not: a 400)
    ("activities.stop_organising", "POST"): Row("/activities/{walk}/stop-organising", {}, status=organise(302)),
    ("activities.date", "GET"): Row(D, status=see(200)),
    ("activities.join", "POST"): Row(D + "/join", {}, status=see(302)),
    ("activities.leave", "POST"): Row(D + "/leave", {}, status=see(400, anna=302)),
    ("activities.note", "POST"): Row(W + "/note", {"note": "Leuk om te doen"}, status=see(403, anna=302)),
    ("activities.message", "POST"): Row(D + "/message", {"message": "Neem een paraplu mee"}, status=organise(302)),
    ("activities.cancel_date", "POST"): Row(D + "/cancel", {"reason": "Het buurthuis is dicht"},
                                            status=organise(302)),
    ("activities.move_date", "GET"): Row(D + "/move", status=organise(200)),
    ("activities.move_date", "POST"): Row(D + "/move", {"new_day": "{first}", "new_time": "14:00", "reason": ""},
                                          status=organise(302)),
    ("activities.attendance", "POST"): Row(W + "/attendance", {"number": "7"}, status=organise(302)),
}
for extra in (*routes_lifts.ROUTES_LIFTS, *routes_calendar.ROUTES_CALENDAR):
    ROUTES[(extra["endpoint"], extra["method"])] = Row(
        extra["url"], extra.get("form"), dict(extra.get("status", {})), extra.get("others", 404),
        extra.get("anonymous", 302))


def test_every_activities_route_is_checked_here(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("activities.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(ROUTES)


@pytest.fixture
def ids(app) -> dict:
    """The activities world with what the addresses name, built once per process and copied for each test."""
    return built_once("activities access", _build_ids)


def _build_ids() -> dict:
    """What the addresses name: the coffee morning and its first date, which Anna is coming to; Otto's weekly
    walk that began two weeks ago, organised by Bert too, whose date a week ago Anna came to."""
    aw = build_activities_world()
    today = local_today()
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    began = local_to_utc(today - timedelta(days=14), time(9, 0))
    walk = services.put_on(db.session, aw.otto, services.ActivityInput(
        title="Wandeling", kind=ActivityKind.WALK, starts_on=today - timedelta(days=14), start_time=time(10, 0),
        duration_minutes=60, repeat=Repeat.WEEKLY, place_note="Bij de kerk"), now=began)
    db.session.add(ActivityOrganiser(activity_id=walk.id, neighbour_id=aw.bert.id))
    past = today - timedelta(days=7)
    signups.join(db.session, aw.anna, walk, past, now=began)
    db.session.commit()
    found = {"coffee": aw.coffee.id, "first": aw.first.isoformat(),
             "second": (aw.first + timedelta(days=7)).isoformat(), "walk": walk.id, "past": past.isoformat(),
             "today": today.isoformat(), "otto": aw.otto.id, "anna": aw.anna.id, "bert": aw.bert.id,
             "joost": aw.joost.id, "jansen": aw.jansen.id}
    for module in (routes_lifts, routes_calendar):
        found.update(module.extra_ids(aw, dict(found)))
    return found


def _snapshot() -> tuple:
    """Everything an activities route could change."""
    db.session.expire_all()
    rows = lambda *cols: tuple(db.session.execute(sa.select(*cols).order_by(*cols)))  # noqa: E731
    return (rows(Activity.id, Activity.title, Activity.status, Activity.hidden_at, Activity.starts_on,
                 Activity.start_time, Activity.place_note, Activity.capacity),
            rows(ActivityOrganiser.activity_id, ActivityOrganiser.neighbour_id),
            rows(ActivityDate.activity_id, ActivityDate.on_date, ActivityDate.status, ActivityDate.moved_to,
                 ActivityDate.moved_time, ActivityDate.attendance),
            rows(ActivitySignup.activity_id, ActivitySignup.on_date, ActivitySignup.neighbour_id,
                 ActivitySignup.status),
            rows(ActivityMessage.id), rows(ActivityNote.id, ActivityNote.hidden_at), rows(Report.id),
            rows(Post.id, Post.status, Post.activity_id, Post.activity_on), rows(Notification.id),
            db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)))


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default pages show it (English until the nl catalogue has it)."""
    with force_locale("nl"):
        return gettext(msgid, **variables)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _send(client, row: Row, ids: dict):
    url = row.url.format(**ids)
    if row.form is None:
        return client.get(url)
    return client.post(url, {k: str(v).format(**ids) for k, v in row.form.items()})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_each_role_on_each_page(client, ids, key, role):
    row = ROUTES[key]
    if role != "anonymous":
        client.login(f"{role}@example.org")
    before = _snapshot()
    response = _send(client, row, ids)
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


def test_an_unknown_activity_or_date_is_not_found(client, aw):
    client.login("anna@example.org")
    other_day = aw.first + timedelta(days=1)
    for url in ("/activities/999999", "/activities/0", "/activities/99999999999999999999",
                f"/activities/{aw.coffee.id}/{other_day.isoformat()}",
                f"/activities/{aw.coffee.id}/{aw.first.year}-02-31",
                f"/activities/{aw.coffee.id}/0001-01-01", f"/activities/{aw.coffee.id}/9999-12-31"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/activities/{aw.coffee.id}/{other_day.isoformat()}/join").status_code == 404


def test_a_hidden_activity_is_gone_for_neighbours_and_there_for_its_organisers_and_moderators(client, aw):
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    for role, status in (("anna", 404), ("joost", 404), ("otto", 200), ("broker", 200), ("admin", 200)):
        client.login(f"{role}@example.org")
        assert client.get(f"/activities/{aw.coffee.id}").status_code == status, role
        assert f'data-date="{aw.coffee.id}-' not in client.get("/activities/").get_data(as_text=True), role
        client.logout()


def test_blocked_people_do_not_see_each_others_activities(client, aw):
    block(db.session, aw.anna, aw.otto)
    db.session.commit()
    client.login("anna@example.org")
    assert client.get(f"/activities/{aw.coffee.id}").status_code == 404
    assert f'data-date="{aw.coffee.id}-' not in client.get("/activities/").get_data(as_text=True)


def test_the_rules_and_the_list_agree(aw):
    """``activity_seen_by`` (the list) says what ``may_see_activity`` (the rule) says for someone who neither
    organises nor moderates it."""
    for name in ("anna", "joost", "karin", "treasurer"):
        person = getattr(aw, name)
        listed = set(db.session.scalars(sa.select(Activity.id).where(access.activity_seen_by(db.session, person))))
        assert (aw.coffee.id in listed) == access.may_see_activity(db.session, person, aw.coffee), name


def test_a_report_reaches_the_moderators_and_hiding_handles_it(client, make_client, aw):
    client.login("anna@example.org")
    assert client.get(f"/activities/{aw.coffee.id}/report").status_code == 200
    short = client.post(f"/activities/{aw.coffee.id}/report", {"reason": "x"})
    assert short.status_code == 400
    response = client.post(f"/activities/{aw.coffee.id}/report", {"reason": "Dit is reclame"},
                           follow_redirects=True)
    assert nl("Thank you. A broker of the neighbourhood will look at it.") in text(response)
    report = db.session.scalar(sa.select(Report))
    assert (report.activity_id, report.neighbourhood_id, report.reporter_id, report.reason) == (
        aw.coffee.id, aw.zuilen.id, aw.anna.id, "Dit is reclame")
    assert "Koffieochtend" in report.snapshot and "Koffie, thee en een praatje." in report.snapshot
    again = client.post(f"/activities/{aw.coffee.id}/report", {"reason": "Nog steeds reclame"})
    assert again.status_code == 400
    assert nl("You have already reported this. A broker will look at it.") in text(again)

    coordinator = make_client()
    coordinator.login("coordinator@example.org")
    response = coordinator.post(f"/activities/{aw.coffee.id}/hide", {"action": "hide", "next": "/reports"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    db.session.expire_all()
    assert report.resolved_at is not None and report.outcome == "hidden" and report.snapshot == ""
    assert client.get(f"/activities/{aw.coffee.id}").status_code == 404
    assert nl("A moderator has hidden this activity. Only its organisers and the moderators see it.") in text(
        coordinator.get(f"/activities/{aw.coffee.id}"))
    assert coordinator.post(f"/activities/{aw.coffee.id}/hide", {"action": "show"}).status_code == 302
    assert client.get(f"/activities/{aw.coffee.id}").status_code == 200
    assert coordinator.post(f"/activities/{aw.coffee.id}/hide", {"action": "delete"}).status_code == 400
    assert coordinator.post(f"/activities/{aw.coffee.id}/hide",
                            {"action": "hide", "next": "https://evil.example/"}).headers["Location"].endswith(
        f"/activities/{aw.coffee.id}")
