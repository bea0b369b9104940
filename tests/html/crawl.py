"""The app's pages as each role sees them, rendered by the test client: a crawl along the site's own links in
the fuzz test's world, and the pages its forms show when they are sent back empty (the error states).

Each shape of page (``/posts/12`` and ``/posts/7`` are one shape) is kept once per role, at most
``PAGES_PER_ROLE`` pages; a form is sent back empty once per shape of its action, and only a page that says
what is wrong (a 400) is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from buurthulp.core.cli import DEMO_PASSWORD
from tests.core.test_fuzz import PageParser

PAGES_PER_ROLE = 45
# who looks: an e-mail address of the fuzz test's world, or nobody; and where they start
ROLES = {
    "anonymous": (None, ["/", "/register", "/login", "/forgot-password"]),
    "neighbour": ("henk@example.org", ["/", "/posts", "/posts/new", "/places/new", "/profile"]),
    "broker": ("ahmed@example.org", ["/broker/"]),
    "treasurer": ("els@example.org", ["/pot/"]),
    "coordinator": ("ria@example.org", ["/initiatives/kracht-van-zuilen"]),
    "admin": ("admin@example.org", ["/admin/"]),
}
# downloads, the mail outbox, and links that change something or end the session
SKIP = re.compile(r"\.(csv|ics|json|svg|png|jpg)$|/export|/static/|/dev/outbox|/unsubscribe/|/confirm/|"
                  r"/reset-password/|/logout|/photo")
# forms not to send back empty: they end the session or the account, or change it without a field to refuse
SKIP_FORMS = re.compile(r"/logout|/delete|/language")


@dataclass
class Page:
    role: str
    method: str
    url: str
    status: int
    html: str

    @property
    def name(self) -> str:
        """A file name for the page."""
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", f"{self.method}-{self.url}").strip("-")[:120]
        return f"{self.role}--{slug}.html"


def shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" if parts.query else "")


def crawl_role(client, role: str) -> list[Page]:
    """The pages ``role`` reaches from its start pages, then its forms sent back empty."""
    email, start = ROLES[role]
    client.http.delete_cookie("session")
    if email:
        client.login(email, DEMO_PASSWORD)
    queue, seen, pages, forms = list(start), set(), [], {}
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = client.get(url)
        if response.status_code in (301, 302, 303) and response.location:
            queue.insert(0, urlsplit(response.location)._replace(scheme="", netloc="").geturl())
            continue
        if response.mimetype != "text/html" or response.status_code >= 300:
            continue
        html = response.get_data(as_text=True)
        pages.append(Page(role, "GET", url, response.status_code, html))
        parser = PageParser()
        parser.feed(html)
        for link in parser.links:
            target = urldefrag(link).url
            parts = urlsplit(target)
            if not parts.netloc and parts.path.startswith("/") and not SKIP.search(parts.path):
                queue.append(target)
        for form in parser.forms:
            action = form["action"] or url
            if form["method"] == "POST" and not SKIP_FORMS.search(action):
                forms.setdefault(shape(action), (action, form))
    for action, form in forms.values():
        text = [f for f in form["fields"] if f[1] in ("text", "email", "textarea", "password", "date", "time")]
        if not text:
            continue  # a button: sending it does something, it has nothing to refuse
        data = {name: "" if kind in ("text", "email", "textarea", "password", "date", "time") else value
                for name, kind, value, _choices in form["fields"] if kind not in ("radio", "checkbox")}
        response = client.post(action, data)
        if response.status_code == 400 and response.mimetype == "text/html":
            pages.append(Page(role, "POST", action, 400, response.get_data(as_text=True)))
    return pages


class IdParser(HTMLParser):
    """The ids of a page, the in-page links (``href="#..."``) and the ids aria-describedby names."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.described: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        href = a.get("href") or ""
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.fragments.append(href[1:])
        self.described.extend((a.get("aria-describedby") or "").split())


def id_problems(page: Page) -> list[str]:
    """Ids used twice, in-page links and aria-describedby that point nowhere."""
    parser = IdParser()
    parser.feed(page.html)
    ids = set(parser.ids)
    twice = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    return ([f"id {i!r} appears more than once" for i in twice]
            + [f"link #{f} points nowhere" for f in parser.fragments if f not in ids]
            + [f"aria-describedby {d!r} points nowhere" for d in parser.described if d not in ids])
