"""Every page a neighbour, a broker, a treasurer, an admin and a coordinator reach fits a 320 px screen, with axe.

A crawl from the home page along the site's own links, each kind of page once per person (new kinds first),
at most 60 pages; axe runs once per kind of page.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from buurthulp.core.cli import DEMO_PASSWORD

pytestmark = pytest.mark.browser

WIDTH = 320
MAX_PAGES = 60
PAGES_PER_PERSON = 16
# Demo people, one per role; each crawls from the home page.
PEOPLE = ["fatima@example.org", "ahmed@example.org", "els@example.org", "admin@example.org", "ria@example.org"]
# Downloads (CSV, JSON export, calendar files), the mail outbox and pages that change something on GET.
SKIP = re.compile(r"\.(csv|ics|json|svg|png|jpg)$|/export|/static/|/dev/outbox|/unsubscribe/|/confirm/|/reset-password/")

# The widest elements: those that end right of the viewport, deepest first, so the report names the cause.
WIDEST = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 && r.width > 0) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.classList.length ? '.' + [...el.classList].join('.') : '');
      out.push({name, right: Math.round(r.right), depth: (function d(e) { let n = 0; while (e.parentElement) { e = e.parentElement; n++; } return n; })(el)});
    }
  }
  out.sort((a, b) => b.depth - a.depth || b.right - a.right);
  return out.slice(0, 3).map(o => o.name + ' (right edge ' + o.right + ' px)');
}"""


def shape(url: str) -> str:
    """/posts/12?page=2 and /posts/7 are the same page: the crawl visits each shape once per person."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" if parts.query else "")


def log_in(page, base, email):
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def links_on(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        href = urldefrag(href).url
        if href.startswith(base + "/") and not SKIP.search(urlsplit(href).path):
            found.append(href)
    return found


def check_open_menu(page, email, *, axe, too_wide, violations, axe_check):
    """The "Meer" menu opened on a phone fits the screen, and (for a neighbour and a broker) passes axe."""
    page.locator("details.menu > summary").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        too_wide.append(f"the open menu as {email}: {width} px wide; widest: {page.evaluate(WIDEST, WIDTH)}")
    if axe:
        try:
            axe_check(page)
        except AssertionError as failure:
            violations.append(f"the open menu as {email}: {failure}")
    page.keyboard.press("Escape")  # JavaScript closes it again and puts focus back on "Meer"
    assert page.evaluate("!document.querySelector('details.menu').open")
    assert page.evaluate("document.activeElement.matches('details.menu > summary')")


def next_url(queue: list[str], seen: set[str], everyone_saw: set[str]) -> str | None:
    """A page nobody saw yet first (so the budget reaches each role's own pages), else one this person did not."""
    for fresh_only in (True, False):
        for i, url in enumerate(queue):
            key = shape(url)
            if key not in seen and (not fresh_only or key not in everyone_saw):
                return queue.pop(i)
    return None


def test_every_page_fits_320_px_and_passes_axe(browser, live_server, axe_check):
    everyone_saw: set[str] = set()  # page shapes; axe runs once per shape, its rules do not depend on who looks
    loaded = 0
    too_wide: list[str] = []
    violations: list[str] = []
    for email in PEOPLE:
        context = browser.new_context(locale="nl-NL", viewport={"width": WIDTH, "height": 700})
        page = context.new_page()
        log_in(page, live_server, email)
        queue, seen = [live_server + "/"], set()
        for _ in range(PAGES_PER_PERSON):
            url = next_url(queue, seen, everyone_saw)
            if url is None or loaded >= MAX_PAGES:
                break
            key = shape(url)
            seen.add(key)
            response = page.goto(url, wait_until="domcontentloaded")
            loaded += 1
            if response is None or not response.ok or not page.url.startswith(live_server):
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide.append(f"{url} as {email}: {width} px wide; widest: {page.evaluate(WIDEST, WIDTH)}")
            if key == "/" and page.locator("details.menu").count():
                check_open_menu(page, email, axe=email in PEOPLE[:2], too_wide=too_wide, violations=violations,
                                axe_check=axe_check)
            if key not in everyone_saw:
                everyone_saw.add(key)
                try:
                    axe_check(page)
                except AssertionError as failure:
                    violations.append(f"as {email}: {failure}")
            queue.extend(u for u in links_on(page, live_server) if shape(u) not in seen)
        context.close()
    assert len(everyone_saw) >= 30, f"the crawl reached only {len(everyone_saw)} pages: {sorted(everyone_saw)}"
    assert not too_wide, "pages wider than 320 px:\n" + "\n".join(too_wide)
    assert not violations, "\n".join(violations)
