"""Input the database cannot hold is refused at the edge: ids and pages in range, no NUL, lengths bounded.

Each of these was a 500 on PostgreSQL (and the ids past 2**63 on SQLite too) before it was refused here.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm
from markupsafe import escape
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange

import buurthulp
from buurthulp.converters import MAX_ID, IdConverter
from buurthulp.extensions import db
from buurthulp.forms import DateField, IdField, LocalDecimalField, id_or_none
from buurthulp.input import MAX_INPUT_LENGTH, MAX_PAGE, page_arg
from buurthulp.neighbourhoods.models import Membership, Role
from buurthulp.posts.models import Post
from buurthulp.posts.services import create_post
from buurthulp.pot import services as pot
from buurthulp.pot.models import CompensationMode, DistributionRule, PotTransaction
from buurthulp.timeutil import local_today
from tests.factories import add_member, add_request, make_initiative, make_neighbour, make_neighbourhood
from tests.posts.conftest import post_input
from tests.pot.booking import booking_data, post_booking
from tests.snapshots import built_once

NUL_TITLE = "Something you sent contains an invisible character"
LONG_TITLE = "Something you sent is too long"


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default pages show it (English until the nl catalogue has it), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **variables)))


@pytest.fixture
def world(app):
    return built_once("core input", build_world)


def build_world():
    """Ria coordinates, keeps the books of and administers Kracht van Zuilen; Joost asks there; a pot."""
    hood = make_neighbourhood("Zuilen", ["3554"])
    initiative = make_initiative(hood, name="Kracht van Zuilen")
    ria = make_neighbour(hood, email="ria@example.org", is_admin=True)
    joost = make_neighbour(hood, email="joost@example.org")
    fatima = make_neighbour(hood, email="fatima@example.org")
    add_member(initiative, ria, Role.COORDINATOR, Role.TREASURER, Role.BROKER)
    add_member(initiative, joost)
    add_request(initiative, fatima)
    pot.save_settings(db.session, ria, initiative, mode=CompensationMode.POT, rate_per_hour_cents=500,
                      category_rates={}, rate_per_km_cents=0, rule=DistributionRule.EQUAL, month_end_day=1)
    ask = create_post(db.session, joost, post_input(title="Plank ophangen"))
    db.session.commit()
    return {"initiative": initiative, "ria": ria, "joost": joost, "ask": ask}


# --- ids in URLs --------------------------------------------------------------------------------

PAST_THE_COLUMN = [2**31, 2**32, 2**63 - 1, 2**63, 10**30]


@pytest.mark.parametrize("number", PAST_THE_COLUMN)
@pytest.mark.parametrize("path", ["/posts/{}", "/neighbours/{}", "/matches/{}/calendar.ics", "/places/{}",
                                  "/pot/kracht-van-zuilen/members/{}", "/admin/initiatives/{}",
                                  "/broker/kracht-van-zuilen/neighbours/{}"])
def test_an_id_past_the_column_is_a_404(client, world, path, number):
    client.login("ria@example.org")
    assert client.get(path.format(number)).status_code == 404


@pytest.mark.parametrize("path", ["/posts/{}/respond", "/neighbours/{}/block", "/matches/{}/messages"])
def test_a_post_to_an_id_past_the_column_is_a_404(client, world, path):
    client.login("joost@example.org")
    assert client.post(path.format(2**31), {"body": "Hallo", "note": ""}).status_code == 404


def test_the_largest_id_is_an_ordinary_miss_and_a_real_one_is_found(client, world):
    client.login("joost@example.org")
    assert client.get(f"/posts/{MAX_ID}").status_code == 404
    assert client.get(f"/posts/{world['ask'].id}").status_code == 200
    assert client.get(f"/posts/{world['ask'].id:03d}").status_code in (200, 308)


def test_every_int_rule_of_the_app_is_bounded_to_the_column(app):
    converters = [c for rule in app.url_map.iter_rules() for c in rule._converters.values()
                  if isinstance(c, IntegerConverter)]
    assert len(converters) > 50
    assert all(isinstance(c, IdConverter) and c.max <= MAX_ID for c in converters)


@pytest.mark.parametrize("value,expected", [
    ("12", 12), (" 7 ", 7), ("007", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("1" * 5000, None),
    ("0", None), ("-3", None), ("", None), ("²", None), ("١٢", None), ("1e3", None), (None, None), (12, None),
])
def test_an_id_sent_as_text_is_one_the_database_can_look_up(value, expected):
    assert id_or_none(value) == expected


def test_ids_in_forms_and_queries_past_the_column_are_refused(client, world):
    client.login("ria@example.org")
    assert client.get(f"/posts/new?place_id={2**31}").status_code == 200
    assert client.get("/posts/new?place_id=%C2%B2").status_code == 200  # "²" is a digit to str.isdigit()
    roles = client.post("/initiatives/kracht-van-zuilen/roles", {"membership_id": str(2**31), "roles": "broker"})
    assert roles.status_code == 400
    match = client.post(f"/broker/kracht-van-zuilen/asks/{world['ask'].id}/match",
                        {"helper_id": str(2**63), "note": ""})
    assert match.status_code in (400, 302)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.neighbour_id == world["joost"].id)) == 1


# --- page numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("asked,status", [
    ("99999999999999999999", 200), (str(2**63), 200), ("1" * 5000, 200), ("0", 200), ("-5", 200), ("2", 200),
    ("abc", 400), ("1.5", 400), ("１", 400), ("1e3", 400),
])
@pytest.mark.parametrize("path", ["/posts", "/places/", "/admin/neighbours", "/pot/kracht-van-zuilen/months/{month}"])
def test_a_page_number_is_bounded(client, world, path, asked, status):
    client.login("ria@example.org")
    path = path.format(month=local_today().strftime("%Y-%m"))
    assert client.get(path, query_string={"page": asked}).status_code == status


@pytest.mark.parametrize("query,expected", [
    ("", 1), ("page=", 1), ("page=3", 3), ("page=0003", 3), ("page=0", 1), ("page=-1", 1), ("page=-0", 1),
    (f"page={MAX_PAGE}", MAX_PAGE), (f"page={MAX_PAGE + 1}", MAX_PAGE), ("page=" + "9" * 30, MAX_PAGE),
])
def test_page_arg_clamps_a_whole_number(app, query, expected):
    with app.test_request_context(f"/?{query}"):
        assert page_arg() == expected


# --- NUL characters and lengths -----------------------------------------------------------------

def test_a_nul_in_a_form_is_refused_with_a_message_and_nothing_is_saved(client, world):
    client.login("joost@example.org")
    response = client.post("/posts/new", {"kind": "ask", "category": "klussen", "title": "Lamp\x00 ophangen",
                                          "description": "In de kamer", "timing": "flexible"})
    assert response.status_code == 400
    assert nl(NUL_TITLE) in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


@pytest.mark.parametrize("url", ["/places/?q=a%00b", "/posts?kind=%00", "/admin/neighbours?q=%00",
                                 "/postcode-lookup?postcode=3554%00", "/posts/new?place_id=1%00"])
def test_a_nul_in_a_query_is_refused(client, world, url):
    client.login("ria@example.org")
    response = client.get(url)
    assert response.status_code == 400 and nl(NUL_TITLE) in response.get_data(as_text=True)


@pytest.mark.parametrize("fields", [{"email": "ria@example.org\x00", "password": "x"},
                                    {"email": "ria@example.org", "password": "x\x00"},
                                    {"email\x00": "ria@example.org", "password": "x"}])
def test_a_nul_in_the_log_in_form_is_refused(client, world, fields):
    assert client.post("/login", fields).status_code == 400


def test_the_message_is_in_the_readers_language(client, world):
    world["joost"].locale = "en"
    db.session.commit()
    client.login("joost@example.org")
    page = client.get("/places/?q=%00").get_data(as_text=True)
    assert '<html lang="en">' in page and NUL_TITLE in page


@pytest.mark.parametrize("path", ["/initiatives/kracht%00", "/neighbourhoods/zuilen%00", "/confirm/abc%00def",
                                  "/reset-password/%00", "/digest/unsubscribe/x%00", "/pot/%00/statement",
                                  "/broker/kracht-van-zuilen%0a/figures", "/initiatives/" + "x" * 1001])
def test_a_control_character_or_an_endless_url_part_is_a_404(client, world, path):
    client.login("ria@example.org")
    assert client.get(path).status_code == 404


def test_an_overlong_value_is_refused_with_a_message(client, world):
    client.login("joost@example.org")
    response = client.post("/posts/new", {"kind": "ask", "category": "klussen", "title": "Lamp",
                                          "description": "x" * (MAX_INPUT_LENGTH + 1), "timing": "flexible"})
    assert response.status_code == 400 and nl(LONG_TITLE) in response.get_data(as_text=True)
    assert client.get("/places/", query_string={"q": "x" * (MAX_INPUT_LENGTH + 1)}).status_code == 400


# --- dates and numbers -------------------------------------------------------------------------

def test_an_appointment_at_the_first_day_python_knows_is_a_400(client, world):
    from buurthulp.posts import matches as match_flow

    match = match_flow.respond(db.session, world["ria"], world["ask"], "Ik help")
    match_flow.accept(db.session, world["joost"], match)
    db.session.commit()
    client.login("joost@example.org")
    for day in ("0001-01-01", "9999-12-31"):  # 00:00 in Amsterdam is before the first UTC moment Python holds
        assert client.post(f"/matches/{match.id}/time", {"day": day, "at": "00:00"}).status_code == 400


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999"])
def test_a_number_that_is_not_a_number_is_a_400(client, world, value):
    client.login("ria@example.org")
    response = client.post("/admin/neighbourhoods/new", {"name": "Ondiep", "municipality": "Utrecht",
                                                         "postcodes": "3552", "centre_lat": value, "centre_lon": "5.1"})
    assert response.status_code == 400


def form_fields():
    """(form, name, unbound field) of every FlaskForm of the app (not the small forms that tests define)."""
    for module in pkgutil.walk_packages(buurthulp.__path__, "buurthulp."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    classes, seen = list(FlaskForm.__subclasses__()), set()
    while classes:
        cls = classes.pop()
        if cls not in seen:
            seen.add(cls)
            classes.extend(cls.__subclasses__())
            if not cls.__module__.startswith("buurthulp."):
                continue
            for name in dir(cls):
                if isinstance(getattr(cls, name, None), UnboundField):
                    yield cls, name, getattr(cls, name)


def test_every_date_and_number_field_is_bounded():
    """A wtforms DateField or DecimalField takes dates and numbers the app cannot compute with; the app's own do not."""
    fields = list(form_fields())
    assert len(fields) > 100
    for form, name, field in fields:
        where = f"{form.__module__}.{form.__name__}.{name}"
        if issubclass(field.field_class, wtforms.DateField):
            assert issubclass(field.field_class, DateField), where
        if issubclass(field.field_class, wtforms.DecimalField):
            assert issubclass(field.field_class, LocalDecimalField), where
        if issubclass(field.field_class, wtforms.IntegerField) and not issubclass(field.field_class, IdField):
            validators = field.kwargs.get("validators") or []
            assert any(isinstance(v, NumberRange) and v.max is not None for v in validators), where


# --- hidden fields and file names ---------------------------------------------------------------

@pytest.mark.parametrize("key", ["k" * 65, "k" * 101, "k" * 5000, ""])
def test_an_idempotency_key_the_column_cannot_hold_is_a_400_and_books_nothing(client, world, key):
    client.login("ria@example.org")
    response = post_booking(client, "/pot/kracht-van-zuilen/book/income",
                            booking_data(source="gift", amount="12,50", key=key))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction)) == 0


def test_a_correction_with_an_overlong_key_is_a_400(client, world):
    gift = pot.book_income(db.session, world["ria"], world["initiative"], pot.TransactionKind.GIFT, 1250,
                           description="gift", value_date=local_today(), key="gift-1")
    db.session.commit()
    client.login("ria@example.org")
    response = client.post(f"/pot/kracht-van-zuilen/transactions/{gift.id}/reverse",
                           {"reason": "Tikfout", "key": "k" * 101})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction)) == 1


@pytest.mark.parametrize("name", ["a" * 201, "a" * 300, "a" * 5000])
def test_an_overlong_outbox_file_name_is_a_404(app, client, name):
    Path(app.config["MAIL_OUTBOX_DIR"]).mkdir(parents=True)  # as soon as one mail went out
    assert client.get(f"/dev/outbox/{name}").status_code == 404
