"""`flask digest send` and `flask digest preview`."""

from __future__ import annotations

from buurthulp.extensions import db
from buurthulp.mail import Transport
from tests.digest.conftest import HEADINGS, deliveries, t


def test_dry_run_counts_and_sends_nothing(world, smtp, runner):
    result = runner.invoke(args=["digest", "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: sent: 0, empty: 1, failed: 0, uncertain: 0, would_send: 6" in result.output
    db.session.rollback()
    assert deliveries() == {}
    assert smtp.received == [] and smtp.rcpt_attempts == []


def test_send_prints_a_summary_and_is_safe_to_run_again(world, smtp, runner):
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    assert "sent: 6, empty: 1, failed: 0" in result.output
    assert sum(smtp.per_recipient().values()) == 6
    again = runner.invoke(args=["digest", "send"])
    assert again.exit_code == 0 and "sent: 0, empty: 0, failed: 0" in again.output
    assert sum(smtp.per_recipient().values()) == 6


def test_a_month_that_does_not_exist_is_a_clear_error(world, smtp, runner):
    for month in ("2026-13", "november", "2026-1x"):
        result = runner.invoke(args=["digest", "send", "--month", month])
        assert result.exit_code == 2, (month, result.output)
        assert "--month" in result.output and "YYYY-MM" in result.output
        assert "Traceback" not in result.output
    assert smtp.received == [] and deliveries() == {}


def test_preview_prints_the_text(world, smtp, runner):
    result = runner.invoke(args=["digest", "preview", "RIA@example.org"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("To: ria@example.org\nSubject: ")
    assert t("en", HEADINGS["asks"]) in result.output and "Plank ophangen" in result.output
    assert "https://buurthulp.example/digest/unsubscribe/" in result.output
    by_id = runner.invoke(args=["digest", "preview", str(world.ids["ria"])])
    assert by_id.output == result.output
    assert smtp.received == [] and deliveries() == {}  # a preview sends and records nothing


def test_preview_of_nobody_or_nothing(world, runner):
    lonely = runner.invoke(args=["digest", "preview", "lonely@example.org"])
    assert lonely.exit_code == 0 and "nothing to show" in lonely.output
    unknown = runner.invoke(args=["digest", "preview", "nobody@example.org"])
    assert unknown.exit_code == 2 and "no neighbour 'nobody@example.org'" in unknown.output


def test_the_mail_server_gone_half_way_ends_with_one_line_and_exit_code_1(world, smtp, runner, monkeypatch):
    real_send, sent = Transport.send, []

    def gone_after_three(self, message):
        if len(sent) == 3:
            raise ConnectionRefusedError(111, "Connection refused")
        real_send(self, message)
        sent.append(message["To"])

    monkeypatch.setattr(Transport, "send", gone_after_three)
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("The mail server could not be reached (ConnectionRefusedError")
    assert last.endswith(": 3 sent, 4 wait for the next run.")  # 3 more digests and 1 with nothing to show
    monkeypatch.setattr(Transport, "send", real_send)
    again = runner.invoke(args=["digest", "send"])
    assert again.exit_code == 0 and "sent: 3" in again.output
    assert sum(smtp.per_recipient().values()) == 6
