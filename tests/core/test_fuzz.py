"""No input reaches a 500: hypothesis over every URL rule and every form of the app, as each role.

The world is the demo neighbourhood (``flask demo``) with matches, messages, a report, a proxy neighbour and
a membership request added. Each role first crawls the pages it can reach by following links, to learn the
forms it is shown (their action, field names and values); then every example sends one request: a URL rule
of ``app.url_map`` with generated values for its converters (GET or POST, with fields named as the app's
forms name them), a form it was shown with some of its fields changed, dropped or added, or a link it was
shown with its query changed. Every post carries the session's CSRF token, so that it reaches the form, and
every example starts from the role's own session. The assertion: no response is a 500 (an exception in a
view is a 500 here too: PROPAGATE_EXCEPTIONS is off and the exception is recorded for the message).

Settings: ``FUZZ_EXAMPLES`` (examples per role, 7 roles; by default the hypothesis profile's: 100 in CI, 20
locally, see tests/examples.py),
``FUZZ_CRAWL_PAGES`` (pages each role crawls first) and ``FUZZ_KEEP_GOING=1`` (list every distinct cause
of a 500 at the end instead of stopping at the first). Mail goes to the test's outbox folder; no network.
"""

from __future__ import annotations

import collections
import importlib
import importlib.util
import os
import pkgutil
import re
import traceback
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import got_request_exception
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import buurthulp
from buurthulp.accounts.models import Neighbour
from buurthulp.core.cli import DEMO_PASSWORD, load_demo
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood
from buurthulp.posts.models import Post
from buurthulp.timeutil import local_today
from tests.examples import examples
from tests.factories import add_member, add_request, make_neighbour
from tests.snapshots import built_once

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or examples(100))
CRAWL_PAGES = int(os.environ.get("FUZZ_CRAWL_PAGES") or 40)
# FUZZ_KEEP_GOING=1: do not stop at the first 500, list every distinct cause found at the end
KEEP_GOING = bool(os.environ.get("FUZZ_KEEP_GOING"))

# who is logged in: an e-mail address of the demo (the far neighbour is added below), or nobody
ROLES = {
    "anonymous": None,
    "neighbour": "henk@example.org",          # member of Kracht van Zuilen
    "far_neighbour": "wim@example.org",       # member of Buurtwinkel Everdingen, far away
    "broker": "ahmed@example.org",
    "treasurer": "els@example.org",
    "coordinator": "ria@example.org",
    "admin": "admin@example.org",
}


@pytest.fixture
def config_overrides():
    # Exceptions become the 500 page (and are recorded below), not an exception in the test client; a
    # few hundred posts must not hit the log-in limit.
    return {"PROPAGATE_EXCEPTIONS": False, "RATELIMIT_ENABLED": False}


# --- the world ----------------------------------------------------------------------------------

def build_world() -> None:
    """The demo, and what it lacks: a far neighbour, matches in each state, messages, a report, a proxy."""
    from buurthulp.broker import services as broker
    from buurthulp.posts import matches as match_flow
    from buurthulp.posts import moderation

    load_demo()
    people = {n.email: n for n in db.session.scalars(sa.select(Neighbour))}
    everdingen = db.session.scalar(sa.select(Neighbourhood).where(Neighbourhood.slug == "everdingen"))
    kracht = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "kracht-van-zuilen"))
    winkel = db.session.scalar(sa.select(Initiative).where(Initiative.slug == "buurtwinkel-everdingen"))
    wim = make_neighbour(everdingen, email="wim@example.org", name="Wim", password=DEMO_PASSWORD,
                         postcode="4121 CC", latitude=everdingen.centre_lat, longitude=everdingen.centre_lon)
    add_member(winkel, wim)
    add_request(kracht, people["fatima@example.org"])
    posts_by_title = {p.title: p for p in db.session.scalars(sa.select(Post))}
    shelf = posts_by_title["Plank ophangen in de gang"]
    coffee = posts_by_title["Iemand voor een kop koffie en een praatje"]
    walk = posts_by_title["Samen wandelen langs de Vecht"]
    done = match_flow.respond(db.session, people["ahmed@example.org"], shelf, "Ik heb een boormachine.")
    match_flow.accept(db.session, people["els@example.org"], done)
    message = match_flow.post_message(db.session, people["ahmed@example.org"], done, "Zaterdag om 10 uur?")
    match_flow.post_message(db.session, people["els@example.org"], done, "Prima!")
    match_flow.mark_done(db.session, people["ahmed@example.org"], done, 60)
    match_flow.confirm_done(db.session, people["els@example.org"], done)
    match_flow.thank(db.session, people["els@example.org"], done, "Dank je wel, de plank hangt recht.")
    accepted = match_flow.respond(db.session, people["henk@example.org"], coffee, "Ik kom graag langs.")
    match_flow.accept(db.session, people["mieke@example.org"], accepted)
    match_flow.respond(db.session, people["henk@example.org"], walk)
    moderation.report(db.session, people["els@example.org"], "Dit bericht klopt niet.", message=message)
    moderation.report(db.session, people["henk@example.org"], "Dit is geen vraag.", post=walk)
    broker.add_proxy(db.session, people["ahmed@example.org"], kracht, name="Mevrouw Jansen",
                     contact_route="belt op dinsdag", postcode="3554 AB", likes=[], needs=[])
    db.session.commit()


# --- what a role is shown -----------------------------------------------------------------------

class PageParser(HTMLParser):
    """The same-site links of a page and its forms: action, method and fields (name, type, value, options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").upper(),
                          "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            kind = a.get("type", tag)
            group = next((f for f in self._form["fields"] if f[0] == a["name"]), None)
            if kind in ("radio", "checkbox") and group is not None:
                group[3].append(a.get("value") or "on")  # one more choice of the group
            elif tag in ("input", "button", "textarea"):
                value = a.get("value") or ("on" if kind in ("radio", "checkbox") else "")
                self._form["fields"].append([a["name"], kind, value, [value] if kind in ("radio", "checkbox") else []])
            elif tag == "select":
                self._select = [a["name"], "select", "", []]
                self._form["fields"].append(self._select)
        if tag == "option" and self._select is not None and a.get("value") is not None:
            self._select[3].append(a["value"])
            if not self._select[2] or "selected" in a:
                self._select[2] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(client, start_page: str) -> tuple[list[dict], list[str], int]:
    """Pages reachable by links from ``start_page`` (at most CRAWL_PAGES): their forms, the links seen with a
    query, and how many pages were fetched."""
    seen, found, queue, forms = set(), set(), [start_page, "/"], {}
    while queue and len(seen) < CRAWL_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code != 500, (path, [cause(e) for e in ERRORS])
        if response.mimetype != "text/html":
            continue
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        for link in parser.links:
            url = urlsplit(link)
            if not url.netloc and url.path.startswith("/") and not url.path.startswith("/static"):
                target = url.path + (f"?{url.query}" if url.query else "")
                found.add(target)
                if target not in seen and "logout" not in target:
                    queue.append(target)
        for form in parser.forms:
            form["action"] = form["action"] or path
            forms[(form["action"], form["method"], tuple(f[0] for f in form["fields"]))] = form
    return list(forms.values()), sorted(p for p in found if "?" in p), len(seen)


def form_field_names() -> set[str]:
    """Every field name of every FlaskForm of the app, and every query argument a view reads."""
    for module in pkgutil.walk_packages(buurthulp.__path__, "buurthulp."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    names, classes = set(), list(FlaskForm.__subclasses__())
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    for path in pkgutil.walk_packages(buurthulp.__path__, "buurthulp."):
        spec = importlib.util.find_spec(path.name)
        if spec and spec.origin and spec.origin.endswith(".py"):
            with open(spec.origin, encoding="utf-8") as f:
                names.update(re.findall(r"request\.(?:args|form|values)\.get\(\"(\w+)\"", f.read()))
    return names


# --- generated values ---------------------------------------------------------------------------

EDGE_INTS = [0, 1, 2, 3, -1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]
# What a person might type or a form hold; what an attacker or a broken client sends
PLAIN_TEXT = [
    "", " ", "0", "1", "-1", "2", "0,00", "12,50", "-12,50", "€ 1.250,00", "1,250.00", "0.001", "2024-02-30",
    "2025-01-31", "2025-01", "23:59", "on", "yes", "true", "nl", "en", "ask", "offer", "all", "zuilen",
    "kracht-van-zuilen", "ria@example.org", "a@b", "3554 AB", "3554", "0000 AA", "/posts", "Koffie",
]
NASTY_TEXT = [
    str(2**31), str(2**63), str(10**30), "1" * 5000, "99999999999999", "１２", "٣", "\x00", "a\x00b", "%00",
    "\r\nSet-Cookie: x=y", "\t", "\x7f", "\u200b", "\ufeff", "😀" * 30, "é" * 300, "x" * 101, "x" * 255,
    "x" * 2001, "x" * 10_001, "NaN", "sNaN", "inf", "-Infinity", "1e309", "1e-999999", "-0", "2024-13-01",
    "0001-01-01", "9999-12-31", "1900-01", "99:99", "<script>alert(1)</script>", "' OR 1=1 --", "%", "%%", "%ff",
    "../../etc/passwd", "//evil.example", "/\t/evil.example", "\\\\evil", "https:evil",
]
EDGE_TEXT = PLAIN_TEXT + NASTY_TEXT
plain = st.one_of(st.sampled_from(PLAIN_TEXT), st.text(max_size=40), st.integers(-3, 40).map(str))
texts = st.one_of(plain, plain, plain, st.sampled_from(NASTY_TEXT), st.sampled_from(EDGE_INTS).map(str),
                  st.text(min_size=50, max_size=400))


def changed(value: str):
    """A value a form was shown, made wrong the way a paste, a script or a broken client does."""
    made = [value + "\x00", "\x00" + value, value + "x" * 300, value * 40 or "x" * 40, value + "😀", f" {value} "]
    if value.isdigit():
        return st.one_of(st.sampled_from(made), st.sampled_from(EDGE_INTS).map(str))
    return st.sampled_from(made)


def url_part(converter: str, draw, known: list[str]) -> str:
    """A value for one converter of a rule, as it goes in the path."""
    if converter == "int":
        return str(draw(st.one_of(st.integers(0, 40), st.sampled_from(EDGE_INTS))))
    if converter == "date":
        return draw(st.one_of(st.dates().map(str), st.sampled_from(["2026-02-30", "9999-99-99", "0000-00-00"])))
    value = draw(st.one_of(st.sampled_from(known), texts)) if known else draw(texts)
    if draw(st.booleans()) and value in EDGE_TEXT:
        return value.replace("/", "%2F") or "x"  # raw, so that "%00" is decoded to a NUL by the server
    return quote(value, safe="") or "x"


RULE_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@st.composite
def fuzz_request(draw, rules, forms, links, names, known):
    """(method, path, query, form data) for one request."""
    query = draw(st.one_of(st.just({}), st.dictionaries(st.sampled_from(names), texts, max_size=3)))
    if forms and draw(st.integers(0, 2)):
        # a form as shown, with up to three of its fields changed or left out, and perhaps others added
        form = draw(st.sampled_from(forms))
        url = urlsplit(form["action"])
        path = url.path
        if draw(st.integers(0, 4)) == 0:  # another id in the form's own action
            path = re.sub(r"/\d+", lambda m: "/" + str(draw(st.sampled_from([0, 2**31, 2**63, 7]))), path)
        data, options = {}, {}
        for name, _kind, value, choices in form["fields"]:
            data.setdefault(name, value)
            options.setdefault(name, choices)
        changeable = sorted(name for name in data if name != "csrf_token")
        for name in draw(st.lists(st.sampled_from(changeable), max_size=3, unique=True)) if changeable else []:
            value = draw(st.one_of(st.none(), st.sampled_from(options[name]) if options[name] else texts,
                                   texts, changed(data[name])))
            if value is None:
                del data[name]
            else:
                data[name] = value
        data.update(draw(st.one_of(st.just({}), st.dictionaries(st.sampled_from(names), texts, max_size=2))))
        if url.query:
            query = {**dict(part.partition("=")[::2] for part in url.query.split("&")), **query}
        if form["method"] == "GET":
            return "GET", path, {**data, **query}, {}
        return "POST", path, query, data
    if links and draw(st.booleans()):
        # a link the role was shown, with the values of its query changed
        url = urlsplit(draw(st.sampled_from(links)))
        query = {**dict(part.partition("=")[::2] for part in url.query.split("&")), **query}
        for name in draw(st.lists(st.sampled_from(sorted(query)), max_size=2, unique=True)):
            query[name] = draw(st.one_of(texts, changed(query[name])))
        return "GET", url.path, query, {}
    rule = draw(st.sampled_from(rules))
    path = RULE_ARG.sub(lambda m: url_part(m.group(1) or "default", draw, known.get(m.group(2), [])), rule.rule)
    methods = sorted(rule.methods & {"GET", "POST"})
    method = draw(st.sampled_from(methods))
    data = draw(st.dictionaries(st.sampled_from(names), texts, max_size=6)) if method == "POST" else {}
    return method, path, query, data


# --- the test -----------------------------------------------------------------------------------

ERRORS: list[BaseException] = []


@pytest.fixture
def record_errors(app):
    """The exceptions views raise (each is a 500 here), for the failure message."""
    def record(sender, exception, **extra):
        ERRORS.append(exception)

    got_request_exception.connect(record, app)
    yield
    got_request_exception.disconnect(record, app)


def cause(exception: BaseException) -> str:
    """What a 500 was, where in the app: the exception and the last frame of buurthulp that raised it."""
    frames = [f for f in traceback.extract_tb(exception.__traceback__) if "/buurthulp/" in f.filename]
    where = f" at {frames[-1].filename.split('/buurthulp/')[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exception).__name__}: {str(exception).splitlines()[0][:120] if str(exception) else ''}{where}"


@pytest.mark.parametrize("role", list(ROLES))
def test_no_request_is_a_server_error(app, client, record_errors, role):
    built_once("fuzz", build_world)
    email = ROLES[role]
    if email:
        client.login(email, DEMO_PASSWORD)
    start = {"broker": "/broker/", "treasurer": "/pot/", "coordinator": "/initiatives/kracht-van-zuilen",
             "admin": "/admin/"}.get(role, "/posts")
    forms, links, crawled = crawl(client, start)
    rules = [r for r in app.url_map.iter_rules() if r.methods & {"GET", "POST"}]
    names = sorted(form_field_names() | {f[0] for form in forms for f in form["fields"]})
    this_month = local_today().strftime("%Y-%m")
    known = {
        "slug": ["kracht-van-zuilen", "buurtwinkel-everdingen", "zuilen", "ondiep", "everdingen"],
        "month": [this_month, "2024-12", "2025-13", "0000-00"],
        "name": [p.stem for p in sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))][:3] or ["x"],
        "filename": ["css/app.css", "../config.py", "js/%00.js"],
    }
    me = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == email)) if email else None
    state = {}

    def remember_session():
        state["csrf"] = client.csrf_token()
        state["cookie"] = client.http.get_cookie("session")
        state["id"] = me.get_id() if me else None

    def session_lost(path: str) -> bool:
        """A log-out or a new password ended the role's session (a deleted account stays logged out)."""
        db.session.expire_all()
        return me.deleted_at is None and (path == "/logout" or me.get_id() != state["id"])

    remember_session()
    statuses, found = collections.Counter(), {}

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(fuzz_request(rules, forms, links, names, known))
    def one_request(request):
        method, path, query, data = request
        # every example starts from the role's own session, whatever the last one did to it
        client.http.delete_cookie("session")
        client.http.delete_cookie("remember_token")
        if state["cookie"] is not None:
            client.http.set_cookie("session", state["cookie"].value)
        if method == "POST":
            data["csrf_token"] = state["csrf"]  # the session's own (the crawl may have seen an older one)
        ERRORS.clear()
        if method == "GET":
            response = client.http.get(path, query_string=query)
        else:
            response = client.http.post(path, query_string=query, data=data)
        statuses[response.status_code] += 1
        if response.status_code == 500:
            what = cause(ERRORS[-1]) if ERRORS else "a 500 page without an exception"
            found.setdefault(what, f"{method} {path} {query!r} {data!r}")
            if not KEEP_GOING:
                raise AssertionError(f"{what}\n{method} {path} {query!r} {data!r}\n"
                                     + "".join(traceback.format_exception(ERRORS[-1]) if ERRORS else []))
        if me is not None and method == "POST" and session_lost(path):
            client.http.delete_cookie("session")
            client.login(email, DEMO_PASSWORD)
            remember_session()

    one_request()
    print(f"\nfuzz as {role}: {crawled} pages crawled, {len(forms)} forms, {sum(statuses.values())} requests, "
          f"{statuses[500]} were 500; {dict(sorted(statuses.items()))}")
    assert not found, "requests that were a 500:\n" + "\n".join(f"{k}\n    {v}" for k, v in found.items())
