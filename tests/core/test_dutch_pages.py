"""Every page is Dutch: each GET page of the URL map, as each role, has no English word from a short list.

The world and the roles are the fuzz test's (the demo with matches, messages, reports and a proxy). Each
role opens every GET rule without arguments, and one page of every other GET rule it finds by following
links. What is checked is the text a person reads: tags, scripts, styles and what is typed into inputs are
left out, and so are the names and texts the residents typed themselves (the seeded ones).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException

from buurthulp.accounts.models import Neighbour
from buurthulp.core.cli import DEMO_PASSWORD
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood
from buurthulp.places.models import Place
from buurthulp.posts.models import Post
from tests.core.test_fuzz import ROLES, build_world

# English words that a Dutch page must not show; "match" stands for the jargon too ("Mijn matches").
ENGLISH = ["Please", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Morning",
           "Afternoon", "Evening", "morning", "afternoon", "evening", "owed", "Submit", "Page", "Previous",
           "Next", "Status", "match", "matches", "Match", "Matches", "Log in", "Sign up", "Search", "Cancel",
           "Save", "every", "minutes", "hour", "required", "Not a valid", "Invalid", "This field"]
WORDS = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
SKIP = ("/logout", "/language", "/static/")
DUTCH_ROLES = [role for role in ROLES if role != "far_neighbour"]


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


class VisibleText(HTMLParser):
    """The text a person reads, and the page's same-site links."""

    HIDDEN = {"script", "style", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in ("aria-label", "title", "placeholder", "alt"):
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])  # a button's words, not a typed value

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def typed_texts() -> list[str]:
    """Names and texts the seeded residents, initiatives and places typed: not ours to translate."""
    texts = []
    for column in (Neighbour.display_name, Neighbour.about, Post.title, Post.description, Post.place_note,
                   Initiative.name, Initiative.description, Neighbourhood.name, Neighbourhood.municipality,
                   Place.name, Place.description):
        texts += [t for t in db.session.scalars(sa.select(column)) if t]
    return sorted(set(texts), key=len, reverse=True)


def english_words(html: str, typed: list[str]) -> tuple[list[str], list[str]]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for t in typed:
        text = text.replace(" ".join(t.split()), " ")
    return sorted(set(WORDS.findall(text))), parser.links


@pytest.mark.parametrize("role", DUTCH_ROLES)
def test_every_page_is_dutch(app, client, role):
    build_world()
    if ROLES[role]:
        client.login(ROLES[role], DEMO_PASSWORD)
    typed = typed_texts()
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    queue = [r.rule for r in rules if not r.arguments] + ["/posts", "/broker/", "/pot/", "/admin/"]
    seen_endpoints, seen, found = set(), set(), {}
    while queue:
        path = queue.pop(0)
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except HTTPException:
            continue
        if path in seen or endpoint in seen_endpoints or path.startswith(SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (301, 302, 303) and response.location:
            queue.append(urlsplit(response.location).path)  # "/broker/" goes on to the broker's initiative
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen_endpoints.add(endpoint)
        words, links = english_words(response.get_data(as_text=True), typed)
        if words:
            found[path] = words
        for link in links:
            url = urlsplit(link)
            if not url.netloc and url.path.startswith("/") and not url.path.startswith(SKIP):
                queue.append(url.path)
    assert len(seen_endpoints) > (5 if role == "anonymous" else 20), seen_endpoints
    assert not found, f"English on the Dutch pages as {role}:\n" + "\n".join(f"{p}: {w}" for p, w in found.items())
