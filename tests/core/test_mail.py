"""Mail: rendered in the recipient's language, queued in the transaction, sent from the outbox over SMTP (or written
to the outbox folder in development)."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from buurthulp.extensions import db
from buurthulp.mail import external_url, queue_email, render_email, send_queued
from tests.conftest import mail_html, mail_text
from tests.factories import make_neighbour, make_neighbourhood


def queue_reset_mail(neighbour):
    queue_email(db.session, neighbour.email, "accounts/reset", neighbour.locale, neighbour=neighbour,
                minutes=120, url="http://localhost/reset-password/x")


def test_mail_waits_for_commit(app, outbox):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org")
    queue_reset_mail(ria)
    db.session.flush()
    assert outbox() == []
    db.session.commit()
    assert len(outbox()) == 1


def test_rollback_sends_nothing(app, outbox):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org")
    db.session.commit()
    queue_reset_mail(ria)
    db.session.rollback()
    db.session.commit()
    assert outbox() == []


def test_failed_request_mails_nobody(app, client, outbox):
    """A request that queues a mail and then fails sends none, also not with the next commit."""
    hood = make_neighbourhood()
    ria = make_neighbour(hood, email="ria@example.org")
    db.session.commit()

    @app.route("/test-fail")
    def failing():
        queue_reset_mail(ria)
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/test-fail").status_code == 500
    db.session.commit()
    assert outbox() == []


def test_mail_is_in_the_recipients_language(app):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org", name="Ria")
    subject_nl, text_nl, html_nl = render_email("accounts/confirm", "nl", neighbour=ria, hours=48, url="http://x/c")
    subject_en, text_en, html_en = render_email("accounts/confirm", "en", neighbour=ria, hours=48, url="http://x/c")
    assert subject_nl != subject_en
    assert "Hallo Ria" in text_nl and "Hello Ria" in text_en
    assert 'lang="nl"' in html_nl and 'lang="en"' in html_en


def test_html_mail_escapes_names_but_text_does_not(app):
    eve = make_neighbour(make_neighbourhood(), name="<b>Eve</b>")
    _, text, html = render_email("accounts/confirm", "en", neighbour=eve, hours=48, url="http://x/c")
    assert "<b>Eve</b>" in text
    assert "<b>Eve</b>" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        self.received.set()
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    # start() waits for the server's ready event up to ready_timeout (5 s by default, too short on a busy machine)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=60)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def config_overrides(request):
    if "smtp_server" not in request.fixturenames:
        return {}
    controller, _ = request.getfixturevalue("smtp_server")
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
            "MAIL_SENDER": "Buurthulp <noreply@buurthulp.test>"}


def test_mail_goes_over_smtp_when_configured(app, client, smtp_server, outbox):
    _, inbox = smtp_server
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    response = client.post("/register", {"display_name": "Ria", "email": "ria@example.org",
                                         "password": "zomer in zuilen", "postcode": "3554 AB", "neighbourhood": "0"})
    assert response.status_code == 200
    assert inbox.messages == []  # the request did not talk to SMTP: the mail waits in the outbox
    assert send_queued(db.session)["sent"] == 1  # the send_queued_mail job, every minute
    assert inbox.received.wait(60)  # set as the message arrives; the wait is only a limit
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["ria@example.org"]
    assert envelope.mail_from == "noreply@buurthulp.test"
    from email import message_from_bytes, policy
    msg = message_from_bytes(envelope.content, policy=policy.default)
    assert msg["Message-ID"] and msg["Date"]
    assert "/confirm/" in mail_text(msg) and "/confirm/" in mail_html(msg)
    assert outbox() == []
    # the development outbox page does not exist once a real mail server is configured
    assert client.get("/dev/outbox").status_code == 404


def test_smtp_down_does_not_break_the_request(app, client):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)  # nobody listens
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    response = client.post("/register", {"display_name": "Ria", "email": "ria@example.org",
                                         "password": "zomer in zuilen", "postcode": "3554 AB", "neighbourhood": "0"})
    assert response.status_code == 200  # the account exists; the link can be sent again from the profile


def test_outbox_page_lists_and_shows_mail(app, client, outbox):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org")
    queue_reset_mail(ria)
    db.session.commit()
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "ria@example.org" in page
    name = sorted(p.stem for p in __import__("pathlib").Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))[0]
    page = client.get(f"/dev/outbox/{name}").get_data(as_text=True)
    assert '<a href="http://localhost/reset-password/x">' in page
    assert client.get("/dev/outbox/..%2Fsecret_key").status_code == 404
    assert client.get("/dev/outbox/nothing-here").status_code == 404


def test_links_built_between_mails_keep_the_mail_queued_before(app, outbox):
    """external_url outside a request once ended a request context of its own, whose teardown forgot the
    development mail queued before it in the same transaction."""
    hood = make_neighbourhood()
    people = [make_neighbour(hood, email=f"buur{i}@example.org") for i in range(3)]
    db.session.commit()
    for person in people:
        queue_email(db.session, person.email, "accounts/reset", "nl", neighbour=person, minutes=5,
                    url=external_url("accounts.forgot_password"))
    db.session.commit()
    assert len(outbox()) == 3
