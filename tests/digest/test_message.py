"""The digest as a mail: MIME parts, HTML fit for mail programs, unsubscribe headers, a stable Message-ID."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from flask import render_template, url_for
from flask_babel import force_locale

from buurthulp.digest.services import compose, digest_for, public_urls, send_month
from buurthulp.extensions import db
from buurthulp.mail import build_message
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


def _plain_message(mail, sender: str) -> bytes:
    """The message as ``build_message`` made it before it reused parsed headers: ``email.policy.default``."""
    msg = EmailMessage(policy=policy.default.clone(max_line_length=998))
    msg["Subject"], msg["From"], msg["To"], msg["Date"] = mail.subject, sender, mail.to, "Mon, 1 Jan 2024 09:00:00 +0000"
    msg["Message-ID"] = mail.headers["Message-ID"]
    for name, value in mail.headers.items():
        if name != "Message-ID":
            msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _fixed(message) -> bytes:
    """The bytes as sent, with the parts that differ on every build (date, MIME boundary) made the same."""
    message.replace_header("Date", "Mon, 1 Jan 2024 09:00:00 +0000")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    boundary = message.get_boundary().encode()
    return raw.replace(boundary, b"BOUNDARY")


def test_fast_rendering_and_building_give_the_same_bytes(app, world):
    """compose and build_message remember reasons, translations and parsed headers: the mail stays byte for byte
    what the plain templates (Flask-Babel's gettext, ``reason_text`` per reason) and the default policy give."""
    sender = app.config["MAIL_SENDER"]
    compared = 0
    for name in world.ids:
        neighbour = world.get(name)
        with public_urls():
            content = digest_for(db.session, neighbour, edition())
            if content.is_empty:
                continue
            mail = compose(content)
            with force_locale(neighbour.locale or app.config["BABEL_DEFAULT_LOCALE"]):
                context = {"content": content, "neighbour": neighbour,
                           "unsubscribe_url": mail.headers["List-Unsubscribe"].strip("<>"),
                           "profile_url": url_for("accounts.profile", _external=True),
                           "home_url": url_for("core.home", _external=True)}
                subject = render_template("email/digest/digest.subject.txt", **context).strip()
                text = render_template("email/digest/digest.txt", **context)
                html = render_template("email/digest/digest.html", subject=subject, **context)
        assert (mail.subject, mail.text, mail.html) == (" ".join(subject.split()), text, html), name
        plain = _plain_message(mail, sender)
        fast = _fixed(build_message(mail, sender))
        plain_boundary = re.search(rb'boundary="([^"]+)"', plain).group(1)
        assert fast == plain.replace(plain_boundary, b"BOUNDARY"), name
        compared += 1
    assert compared >= 3  # both languages, several sections
