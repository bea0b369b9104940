"""Mail that is never lost: the outbox against a real SMTP server (aiosmtpd on 127.0.0.1).

A mail is a row in the transaction that caused it; requests never talk to SMTP; the sender retries with backoff,
gives up on a 5xx, sends each mail once also when the server was down for a while or two senders run at once,
and never twice in a run when the reply after DATA was lost. Site admins see and handle failing mail."""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from buurthulp import outbox, privacy
from buurthulp.accounts.models import Neighbour
from buurthulp.admin.jobs import prune
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.mail import is_permanent, queue_email, send_queued
from buurthulp.outbox import MailStatus, OutboxMail
from buurthulp.scheduler import registered_jobs, run_job
from tests.conftest import IS_SQLITE
from tests.digest.conftest import SmtpSink, free_port
from tests.factories import make_neighbour, make_neighbourhood
from tests.pot.test_concurrency import at_once

SENDER = "Buurthulp <noreply@buurthulp.test>"


class Server:
    """An aiosmtpd server that can be stopped and started again on the same port, and counts connections."""

    def __init__(self):
        self.sink = SmtpSink()
        self.port = free_port()
        self.controller = None
        self.connections = 0

    def start(self) -> None:
        server = self

        async def handle_EHLO(sink, smtp, session, envelope, hostname, responses):  # noqa: N802 -- aiosmtpd's hook
            server.connections += 1  # every client says EHLO first: one a connection
            session.host_name = hostname
            return responses

        self.sink.handle_EHLO = handle_EHLO.__get__(self.sink)
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, ready_timeout=60)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def ids(self) -> Counter:
        return Counter(str(m["Message-ID"]) for _, m in self.sink.received)


@pytest.fixture
def server():
    s = Server()
    s.start()
    yield s
    s.sink.release()
    s.stop()


@pytest.fixture
def config_overrides(request):
    overrides = {"MAIL_SENDER": SENDER, "MAIL_TIMEOUT": 60, "MAIL_USE_TLS": False, "MAIL_SERVER": "127.0.0.1",
                 "MAIL_PORT": free_port()}  # nobody listens there, unless the test asks for a server
    if "server" in request.fixturenames:
        overrides["MAIL_PORT"] = request.getfixturevalue("server").port
    return overrides


def queue(n: int, first: int = 0) -> list[str]:
    """Queue ``n`` reset mails to different addresses, committed; returns the addresses."""
    hood = make_neighbourhood()
    addresses = []
    for i in range(first, first + n):
        person = make_neighbour(hood, email=f"n{i}@example.org", name=f"Buur {i}")
        queue_email(db.session, person.email, "accounts/reset", "nl", neighbour=person, minutes=5,
                    url="http://localhost/reset-password/x")
        addresses.append(person.email)
    db.session.commit()
    return addresses


def rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))


# --- queued in the transaction --------------------------------------------------------------------

def test_a_mail_is_a_row_of_the_transaction_that_caused_it(app):
    queue(1)
    (row,) = rows()
    assert (row.status, row.attempts, row.to_address, row.template) == (MailStatus.QUEUED, 0, "n0@example.org",
                                                                       "accounts/reset")
    assert row.message_id.startswith("<") and row.message_id.endswith("@buurthulp.test>")
    person = make_neighbour(make_neighbourhood(), email="rolled@example.org")
    db.session.commit()
    queue_email(db.session, person.email, "accounts/reset", "nl", neighbour=person, minutes=5, url="http://x/y")
    db.session.rollback()
    assert [r.to_address for r in rows()] == ["n0@example.org"]  # the rolled-back request queued nothing


def test_a_failed_request_queues_nothing(app, client):
    hood = make_neighbourhood()
    ria = make_neighbour(hood, email="ria@example.org")
    db.session.commit()

    @app.route("/test-fail")
    def failing():
        queue_email(db.session, ria.email, "accounts/reset", "nl", neighbour=ria, minutes=5, url="http://x/y")
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/test-fail").status_code == 500
    assert rows() == []


def test_requests_never_talk_to_smtp_even_when_the_server_is_slow(app, client, server):
    """The server holds back every reply (a server that takes ages): the page that queues mail does not wait."""
    server.sink.stall_after = 0
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    response = client.post("/register", {"display_name": "Ria", "email": "ria@example.org",
                                         "password": "zomer in zuilen", "postcode": "3554 AB", "neighbourhood": "0"})
    assert response.status_code == 200
    assert server.connections == 0  # the request opened no connection to the mail server at all
    assert [r.status for r in rows()] == [MailStatus.QUEUED]


# --- sending -------------------------------------------------------------------------------------

def test_the_sender_sends_due_mail_over_one_connection_and_marks_it_sent(app, server):
    queue(3)
    counts = send_queued(db.session)
    assert (counts["sent"], counts["waiting"]) == (3, 0)
    assert server.connections == 1
    assert all(r.status == MailStatus.SENT and r.sent_at and r.attempts == 1 for r in rows())
    assert sorted(server.ids().values()) == [1, 1, 1]
    assert set(server.ids()) == {r.message_id for r in rows()}
    assert send_queued(db.session)["sent"] == 0


def test_server_down_for_a_while_then_back_every_mail_arrives_once(app, server):
    addresses = queue(4)
    server.stop()
    now = utcnow()
    first = send_queued(db.session, now)
    assert (first["sent"], first["retry"], first["waiting"]) == (0, 1, 4)  # the run stops at the first
    assert all(r.status == MailStatus.QUEUED and r.next_attempt_at > now for r in rows())
    assert [r.attempts for r in rows()] == [1, 0, 0, 0]  # the others were not tried: not an attempt
    assert "Connection" in rows()[0].last_error or "refused" in rows()[0].last_error.lower()
    assert send_queued(db.session, now)["sent"] == 0  # not due yet: the backoff
    second = send_queued(db.session, now + timedelta(seconds=30))
    assert second["sent"] == 0 and server.sink.received == []
    server.start()
    later = now + timedelta(minutes=5)
    assert send_queued(db.session, later)["sent"] == 4
    assert send_queued(db.session, later + timedelta(hours=1))["sent"] == 0
    assert Counter(rcpt for rcpts, _ in server.sink.received for rcpt in rcpts) == {a: 1 for a in addresses}
    assert sorted(server.ids().values()) == [1, 1, 1, 1]  # 0 lost, 0 twice


def test_backoff_doubles_and_a_mail_is_given_up_after_the_last_attempt(app):
    app.config.update(MAIL_RETRY_SECONDS=60, MAIL_RETRY_MAX_SECONDS=300, MAIL_MAX_ATTEMPTS=4)
    queue(1)
    now = utcnow()
    waits = []
    for _ in range(4):
        (row,) = rows()
        due = row.next_attempt_at
        send_queued(db.session, due)
        (row,) = rows()
        waits.append(round((row.next_attempt_at - due).total_seconds()))
    (row,) = rows()
    assert waits[:3] == [60, 120, 240]
    assert (row.status, row.attempts) == (MailStatus.FAILED, 4)
    assert send_queued(db.session, now + timedelta(days=1))["sent"] == 0


def test_a_permanent_refusal_stops_and_a_temporary_one_is_retried(app, server):
    refused, busy, fine = queue(3)
    server.sink.refuse[refused] = "550 no such user"
    server.sink.refuse[busy] = "450 mailbox busy"
    now = utcnow()
    counts = send_queued(db.session, now)
    assert (counts["sent"], counts["failed"], counts["retry"]) == (1, 1, 1)
    by_address = {r.to_address: r for r in rows()}
    assert by_address[refused].status == MailStatus.FAILED and "550" in by_address[refused].last_error
    assert by_address[busy].status == MailStatus.QUEUED and by_address[busy].next_attempt_at > now
    assert by_address[fine].status == MailStatus.SENT
    del server.sink.refuse[busy]
    assert send_queued(db.session, now + timedelta(minutes=5))["sent"] == 1
    assert by_address[refused].status == MailStatus.FAILED  # never tried again
    assert is_permanent(smtplib.SMTPRecipientsRefused({"a": (550, b"no")}))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a": (451, b"later")}))


def test_a_reply_lost_after_data_is_not_sent_again_in_the_same_run(app, server):
    app.config["MAIL_TIMEOUT"] = 2  # the stalled reply never comes; this only limits how long the test waits
    queue(3)
    server.sink.stall_after = 1
    now = utcnow()
    try:
        counts = send_queued(db.session, now)
    finally:
        server.sink.release()
    assert (counts["sent"], counts["uncertain"]) == (2, 1)
    uncertain = next(r for r in rows() if r.uncertain)
    assert uncertain.status == MailStatus.QUEUED and uncertain.next_attempt_at > now
    assert server.ids()[uncertain.message_id] == 1  # it reached the server once, and was not sent again
    server.sink.stall_after = None
    assert send_queued(db.session, now + timedelta(minutes=5))["sent"] == 1
    assert server.ids()[uncertain.message_id] == 2  # again with the same Message-ID: a duplicate can be dropped


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")
def test_two_senders_at_once_send_each_mail_once(app, server):
    queue(40)
    results = at_once(app, 2, lambda i: send_queued(db.session)["sent"])
    assert sum(results) == 40, results
    assert sorted(set(server.ids().values())) == [1] and len(server.ids()) == 40
    assert all(r.status == MailStatus.SENT for r in rows())


def test_the_job_sends_the_outbox(app, server):
    queue(2)
    run = run_job(registered_jobs()["send_queued_mail"])
    assert run.counts["sent"] == 2 and len(server.sink.received) == 2


# --- keeping it small, and privacy ---------------------------------------------------------------

def test_old_sent_mail_is_pruned(app, server):
    queue(3)
    send_queued(db.session)
    old, recent, waiting = rows()
    old.sent_at = utcnow() - timedelta(days=40)
    waiting.status = MailStatus.QUEUED
    db.session.commit()
    assert prune(db.session, utcnow())["mails"] == 1
    db.session.commit()
    assert [r.id for r in rows()] == [recent.id, waiting.id]


def test_export_and_deletion_cover_the_outbox(app):
    (address,) = queue(1)
    n0 = db.session.scalar(sa.select(Neighbour).where(Neighbour.email == address))
    data = privacy.export_data(db.session, n0)
    assert [m["status"] for m in data["mail"]] == ["queued"]
    privacy.delete_account(db.session, n0)
    db.session.commit()
    assert rows() == []


# --- the site admins' page -------------------------------------------------------------------------

def test_admins_see_failing_mail_and_send_it_again_or_not(app, client):
    queue(2)
    now = utcnow()
    send_queued(db.session, now)  # nobody listens: the first fails and waits, the other waits untried
    first, second = rows()
    first.status, first.last_error = MailStatus.FAILED, "<b>550</b> no such user"
    db.session.commit()
    make_neighbour(make_neighbourhood(), email="admin@example.org", is_admin=True)
    make_neighbour(make_neighbourhood(), email="buur@example.org")
    db.session.commit()
    assert client.get("/admin/mail").status_code == 302  # log in first
    client.login("buur@example.org")
    assert client.get("/admin/mail").status_code == 403
    assert client.post(f"/admin/mail/{first.id}/retry", {}).status_code == 403
    client.logout()
    client.login("admin@example.org")
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "n0@example.org" in page and "&lt;b&gt;550&lt;/b&gt;" in page and "<b>550</b>" not in page
    assert client.post(f"/admin/mail/{first.id}/retry", {}, csrf=False).status_code == 400
    assert client.post(f"/admin/mail/{first.id}/retry", {}).status_code == 302
    assert rows()[0].status == MailStatus.QUEUED and rows()[0].attempts == 0
    assert client.post(f"/admin/mail/{second.id}/discard", {}).status_code == 302
    assert rows()[1].status == MailStatus.DISCARDED
    assert client.post("/admin/mail/999999/retry", {}).status_code == 404
    assert outbox.waiting(db.session)[0] == 1
