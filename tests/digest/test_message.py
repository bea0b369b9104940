"""The digest as a mail: MIME parts, HTML fit for mail programs, unsubscribe headers, a stable Message-ID."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from buurthulp.digest.services import compose, digest_for, public_urls, send_month
from buurthulp.extensions import db
from tests.conftest import mail_html, mail_text
from tests.digest.conftest import PUBLIC_URL, SENDER_DOMAIN, deliveries, edition

UNSUBSCRIBE_RE = re.compile(r"^<(https://buurthulp\.example/digest/unsubscribe/([A-Za-z0-9_.\-]+))>$")


@pytest.fixture
def ria_mail(world, smtp):
    send_month(db.session, edition())
    return smtp.digest_to("ria@example.org")


def test_text_and_html_alternatives(ria_mail):
    assert ria_mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in ria_mail.iter_parts()] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in ria_mail.iter_parts())
    assert ria_mail["From"] == f"Buurthulp <noreply@{SENDER_DOMAIN}>" and ria_mail["To"] == "ria@example.org"
    assert ria_mail["Date"]
    text, html = mail_text(ria_mail), mail_html(ria_mail)
    assert "<html" not in text and "<a " not in text  # plain text, no markup
    assert html.lstrip().lower().startswith("<!doctype html>")


def test_html_has_inline_styles_and_nothing_remote(ria_mail):
    html = mail_html(ria_mail)
    assert html.count('style="') > 10
    assert not re.search(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"<(script|link|iframe|object)\b", html, re.IGNORECASE)
    assert "url(" not in html  # no background images
    # every link points at the public site
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(PUBLIC_URL + "/") for link in links)


def test_one_click_unsubscribe_headers(world, ria_mail):
    found = UNSUBSCRIBE_RE.match(ria_mail["List-Unsubscribe"])
    assert found, ria_mail["List-Unsubscribe"]
    assert ria_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = found.group(1)
    assert url in mail_text(ria_mail) and f'href="{url}"' in mail_html(ria_mail)
    assert ria_mail["Message-ID"] == f"<digest-{edition():%Y-%m}-{world.ids['ria']}@{SENDER_DOMAIN}>"


def test_list_unsubscribe_arrives_as_a_plain_url(smtp, ria_mail):
    raw = message_from_bytes(smtp.raw[str(ria_mail["Message-ID"])], policy=policy.compat32)
    value = "".join(str(raw["List-Unsubscribe"]).split())  # folding whitespace is allowed
    assert "=?" not in value
    assert UNSUBSCRIBE_RE.match(value), value


def test_message_id_is_the_same_for_every_compose(world, ria_mail):
    ria = world.get("ria")
    with public_urls():
        first = compose(digest_for(db.session, ria, edition()))
        again = compose(digest_for(db.session, ria, edition()))
    assert first.headers["Message-ID"] == again.headers["Message-ID"] == ria_mail["Message-ID"]
    assert deliveries()[world.ids["ria"]].message_id == ria_mail["Message-ID"]
    # and another neighbour's is another
    with public_urls():
        ahmed = compose(digest_for(db.session, world.get("ahmed"), edition()))
    assert ahmed.headers["Message-ID"] != first.headers["Message-ID"]
