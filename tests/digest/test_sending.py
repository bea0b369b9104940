"""Sending: exactly once across a crash, refused addresses, who gets none, and when the job sends."""

from __future__ import annotations

import functools
import smtplib
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import DigestPreference, Neighbour
from buurthulp.core.models import JobRun, RunOutcome
from buurthulp.db import utcnow
from buurthulp.digest import services
from buurthulp.digest.models import DeliveryStatus, DigestDelivery
from buurthulp.digest.services import MAX_ATTEMPTS, count_recipients, first_monday, send_due, send_month
from buurthulp.extensions import db
from buurthulp.mail import Transport
from buurthulp.privacy import delete_account
from buurthulp.scheduler import registered_jobs, run_job
from buurthulp.timeutil import LOCAL, local_today
from tests.digest.conftest import deliveries, edition, person


def by_email(email: str) -> Neighbour:
    return db.session.scalar(sa.select(Neighbour).where(Neighbour.email == email))


def rows_by_email() -> dict[str, DigestDelivery]:
    ids = {n.id: n.email for n in db.session.scalars(sa.select(Neighbour))}
    return {ids[i]: row for i, row in deliveries().items()}


def assert_each_got_one(smtp, emails) -> None:
    assert smtp.per_recipient() == {email: 1 for email in emails}
    ids = [str(m["Message-ID"]) for m in smtp.digests()]
    assert len(ids) == len(set(ids)) == len(emails)


# --- exactly once --------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["transport raises OSError", "transport raises SMTPServerDisconnected"])
def test_a_crashed_run_and_a_rerun_send_everyone_exactly_once(crowd, smtp, monkeypatch, how):
    emails = crowd(7)
    real_send = Transport.send
    sent = []
    error = OSError("connection reset") if "OSError" in how else smtplib.SMTPServerDisconnected("gone")

    def failing_send(self, message):
        if len(sent) == 3:
            raise error
        real_send(self, message)
        sent.append(message["To"])

    monkeypatch.setattr(Transport, "send", failing_send)

    with pytest.raises(services.MailServerDown) as stopped:
        send_month(db.session, edition(), batch_size=2)  # the crash is in the second batch
    db.session.rollback()
    assert (stopped.value.summary.sent, stopped.value.waiting) == (3, 4)

    assert len(smtp.digests()) == 3
    assert [r.status for r in deliveries().values()] == [DeliveryStatus.SENT] * 3
    assert count_recipients(db.session, edition()) == 4

    monkeypatch.setattr(Transport, "send", real_send)
    smtp.drop_after = None
    summary = send_month(db.session, edition(), batch_size=2)
    assert summary.sent == 4 and summary.failed == 0
    assert_each_got_one(smtp, emails)
    assert {e: r.status for e, r in rows_by_email().items()} == {e: DeliveryStatus.SENT for e in emails}
    assert all(r.attempts == 1 and r.message_id for r in deliveries().values())

    assert send_month(db.session, edition(), batch_size=2).sent == 0
    assert_each_got_one(smtp, emails)


def test_a_connection_lost_after_data_is_not_sent_again_in_the_same_run(crowd, smtp):
    """The server closes the connection after the message went out: it may have arrived. Not again in this run;
    the next run sends it with the same Message-ID."""
    emails = crowd(5)
    smtp.drop_after = 3  # from the fourth message on, the server goes away after DATA
    summary = send_month(db.session, edition())
    assert (summary.sent, summary.uncertain, summary.failed) == (3, 2, 0)
    uncertain = {e: r for e, r in rows_by_email().items() if r.status == DeliveryStatus.UNCERTAIN}
    assert len(uncertain) == 2 and all(r.message_id.startswith("<digest-") for r in uncertain.values())
    assert len(smtp.rcpt_attempts) == 5  # each tried once in this run
    smtp.drop_after = None
    rerun = send_month(db.session, edition())
    assert (rerun.sent, rerun.uncertain) == (2, 0)
    assert_each_got_one(smtp, emails)
    for email, row in uncertain.items():
        assert str(smtp.digest_to(email)["Message-ID"]) == row.message_id  # the same Message-ID


def test_a_reply_that_stalls_after_the_server_accepted_is_not_sent_twice(app, crowd, smtp):
    """The server accepts a message and then does not answer: the sender's timeout says nothing about whether it
    arrived, so it is recorded as uncertain and sent again only at the next run, with the same Message-ID."""
    app.config["MAIL_TIMEOUT"] = 2  # the stalled reply never comes; this only limits how long the test waits
    emails = crowd(3)
    smtp.stall_after = 1  # the second message is stored, then its reply stalls until released
    try:
        summary = send_month(db.session, edition())
    finally:
        smtp.release()
    assert (summary.sent, summary.uncertain) == (2, 1)
    stalled = next(r for r in deliveries().values() if r.status == DeliveryStatus.UNCERTAIN)
    assert Counter(str(m["Message-ID"]) for m in smtp.digests())[stalled.message_id] == 1  # not resent
    smtp.stall_after = None
    assert send_month(db.session, edition()).sent == 1
    copies = [m for m in smtp.digests() if str(m["Message-ID"]) == stalled.message_id]
    assert len(copies) == 2  # the receiving side can drop the second by its Message-ID
    assert smtp.per_recipient() == {**{e: 1 for e in emails}, copies[0]["To"]: 2}


def test_one_connection_for_the_whole_run(crowd, smtp, monkeypatch):
    emails = crowd(5)
    connects = []
    real_connect = smtplib.SMTP.connect

    def counting_connect(self, *args, **kw):
        connects.append(args)
        return real_connect(self, *args, **kw)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting_connect)
    assert send_month(db.session, edition(), batch_size=2).sent == 5
    assert len(connects) == 1
    assert_each_got_one(smtp, emails)


# --- refused addresses ---------------------------------------------------------------------------

def test_a_refused_address_fails_alone_and_is_retried(crowd, smtp):
    emails = crowd(4)
    bad = emails[1]
    smtp.refuse[bad] = "550 no such user"

    first = send_month(db.session, edition())
    assert (first.sent, first.failed) == (3, 1)
    assert_each_got_one(smtp, [e for e in emails if e != bad])
    row = rows_by_email()[bad]
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert "550" in row.error and "no such user" in row.error
    assert row.message_id == "" and row.sent_at is None and row.sections == "places"

    # the next run tries that one address again, and nobody else
    second = send_month(db.session, edition())
    assert (second.sent, second.failed) == (0, 1)
    assert smtp.rcpt_attempts.count(bad) == 2 and len(smtp.rcpt_attempts) == 5
    assert rows_by_email()[bad].attempts == 2

    # once the address works again, it gets its digest
    del smtp.refuse[bad]
    third = send_month(db.session, edition())
    assert (third.sent, third.failed) == (1, 0)
    row = rows_by_email()[bad]
    assert row.status == DeliveryStatus.SENT and row.error == "" and row.attempts == 3 and row.message_id
    assert_each_got_one(smtp, emails)


def test_a_refused_address_is_given_up_after_five_attempts(crowd, smtp):
    (bad,) = crowd(1)
    smtp.refuse[bad] = "550 no such user"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert send_month(db.session, edition()).failed == 1
        assert rows_by_email()[bad].attempts == attempt
    assert count_recipients(db.session, edition()) == 0
    assert send_month(db.session, edition()).as_dict() == {"sent": 0, "empty": 0, "failed": 0, "uncertain": 0, "would_send": 0}
    assert smtp.rcpt_attempts.count(bad) == MAX_ATTEMPTS
    assert rows_by_email()[bad].status == DeliveryStatus.FAILED
    assert smtp.digests() == []


def test_an_internationalised_address_gets_its_digest(crowd, smtp):
    emails = crowd(2)
    by_email(emails[0]).email = "jöske@example.org"  # sent with SMTPUTF8, which this server offers
    db.session.commit()
    assert send_month(db.session, edition()).sent == 2
    assert_each_got_one(smtp, ["jöske@example.org", emails[1]])
    assert smtp.digest_to("jöske@example.org")["To"] == "jöske@example.org"


def test_a_server_that_closes_with_421_does_not_hold_up_the_others(crowd, smtp):
    emails = crowd(4)
    smtp.refuse[emails[1]] = "421 too busy, closing connection"
    summary = send_month(db.session, edition())
    assert (summary.sent, summary.failed) == (3, 1)
    assert_each_got_one(smtp, [e for e in emails if e != emails[1]])


# --- who gets none -------------------------------------------------------------------------------

def test_nobody_gets_a_digest_who_did_not_want_one(crowd, smtp):
    (wanted,) = crowd(1)
    hood = by_email(wanted).neighbourhood
    person(hood, "switched_off", digest=DigestPreference.OFF)
    person(hood, "unconfirmed", confirmed=False)
    proxy = person(hood, "proxy")
    proxy.email = None  # a proxy neighbour: no address, the broker represents them
    gone = person(hood, "gone")
    gone_but_kept = person(hood, "gone_kept")
    db.session.flush()
    delete_account(db.session, gone)
    gone_but_kept.deleted_at = utcnow()  # deleted, even with an address and the digest still on
    db.session.commit()

    assert count_recipients(db.session, edition()) == 1
    summary = send_month(db.session, edition())
    assert summary.as_dict() == {"sent": 1, "empty": 0, "failed": 0, "uncertain": 0, "would_send": 0}
    assert_each_got_one(smtp, [wanted])
    assert list(rows_by_email()) == [wanted]
    assert smtp.rcpt_attempts == [wanted]


def test_dry_run_records_and_sends_nothing(crowd, smtp):
    crowd(3)
    summary = send_month(db.session, edition(), dry_run=True)
    assert summary.as_dict() == {"sent": 0, "empty": 0, "failed": 0, "uncertain": 0, "would_send": 3}
    db.session.rollback()
    assert deliveries() == {} and smtp.received == []


# --- the monthly job -----------------------------------------------------------------------------

def local(day, hour: int, minute: int = 0) -> datetime:
    """An aware UTC moment at a local (Amsterdam) time."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).astimezone(UTC)


def test_send_due_waits_for_nine_on_the_first_monday(crowd, smtp):
    emails = crowd(3)
    monday = first_monday(local_today())
    assert monday.weekday() == 0 and monday.day <= 7
    nothing = {"sent": 0, "empty": 0, "failed": 0, "uncertain": 0, "would_send": 0}
    early = [local(monday, 8, 59), local(monday, 0, 0)]
    if monday.day > 1:
        early.append(local(monday - timedelta(days=1), 23, 0))  # the Sunday before, in the same month
    for now in early:
        assert send_due(db.session, now) == nothing, now
    assert smtp.received == [] and deliveries() == {}

    assert send_due(db.session, local(monday, 9, 0))["sent"] == 3
    assert_each_got_one(smtp, emails)
    # every hour after that it runs again and sends nobody twice
    assert send_due(db.session, local(monday, 9, 0)) == nothing
    assert send_due(db.session, local(monday, 10, 0)) == nothing
    assert send_due(db.session, local(monday + timedelta(days=10), 15, 0)) == nothing
    assert_each_got_one(smtp, emails)


def test_send_due_at_nine_local_time_is_utc_aware(crowd, smtp):
    crowd(1)
    monday = first_monday(local_today())
    nine = local(monday, 9, 0)
    assert nine.tzinfo is UTC and nine.hour in (7, 8)  # 09:00 in Amsterdam is 07:00 or 08:00 UTC
    assert send_due(db.session, nine - timedelta(minutes=1))["sent"] == 0
    assert send_due(db.session, nine)["sent"] == 1


def test_the_scheduled_job_records_its_run(crowd, smtp):
    emails = crowd(3)
    job = registered_jobs()["monthly_digest"]
    run_job(job, local(first_monday(local_today()), 9, 30))
    assert_each_got_one(smtp, emails)
    db.session.expire_all()
    stored = db.session.scalar(sa.select(JobRun).where(JobRun.job == "monthly_digest"))
    assert stored.outcome == RunOutcome.OK
    assert stored.counts["sent"] == 3 and stored.finished_at is not None


def test_a_crash_in_the_scheduled_job_is_recorded_as_failed(crowd, smtp, monkeypatch):
    crowd(5)
    monkeypatch.setattr(services, "send_month", functools.partial(services.send_month, batch_size=2))
    real_send = Transport.send
    sent = []

    def failing_send(self, message):
        if len(sent) == 3:
            raise OSError("connection reset")
        real_send(self, message)
        sent.append(message["To"])

    monkeypatch.setattr(Transport, "send", failing_send)
    run_job(registered_jobs()["monthly_digest"], local(first_monday(local_today()), 9, 30))  # must not raise
    db.session.rollback()
    stored = db.session.scalar(sa.select(JobRun).where(JobRun.job == "monthly_digest"))
    assert stored.outcome == RunOutcome.FAILED and "connection reset" in stored.error
