"""Logging: a line per request with its id and nothing personal, the id on the 500 page, JSON lines, job runs."""

import io
import json
import logging
import re
from datetime import UTC, datetime

import pytest

from buurthulp.jobs import Job
from buurthulp.logs import JSONFormatter, TextFormatter, configure_root
from buurthulp.scheduler import run_job

NOW = datetime(2026, 12, 1, 9, 17, tzinfo=UTC)
GENERATED_ID = re.compile(r"[0-9a-f]{16}")


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="buurthulp.request")
    return lambda: [r for r in caplog.records if r.name == "buurthulp.request"]


@pytest.fixture
def crash(app):
    @app.route("/test-crash")
    def crash():
        raise RuntimeError("boom in a view")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production, not the exception in the test
    return "/test-crash"


def test_a_request_logs_one_line_without_its_query_string(client, request_lines):
    response = client.get("/privacy?email=ria@example.org&name=Ria")
    assert response.status_code == 200
    [line] = request_lines()
    assert re.fullmatch(r"GET /privacy 200 [0-9.]+ ms", line.getMessage())
    assert (line.method, line.path, line.status) == ("GET", "/privacy", 200)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.request_id == response.headers["X-Request-ID"]
    assert "ria" not in line.getMessage().lower() and "?" not in line.getMessage()


def test_a_token_in_a_link_is_not_logged(client, request_lines):
    client.get("/reset-password/InJpYUBleGFtcGxlLm9yZyI.secret-part")
    [line] = request_lines()
    assert line.path == "/reset-password/<token>" and "secret-part" not in line.getMessage()


def test_every_request_gets_its_own_id_in_the_header(client):
    first = client.get("/privacy").headers["X-Request-ID"]
    second = client.get("/privacy").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second) and first != second


def test_a_sane_incoming_id_is_kept(client, request_lines):
    response = client.get("/privacy", headers={"X-Request-ID": "nginx-7f3a.b_9"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a.b_9"
    assert request_lines()[-1].request_id == "nginx-7f3a.b_9"


@pytest.mark.parametrize("incoming", ["", "a" * 65, "two words", "id;rm", "ria@example.org", "é"])
def test_an_odd_incoming_id_is_replaced(client, incoming):
    response = client.get("/privacy", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_a_request_refused_before_its_view_has_an_id_and_a_line(client, request_lines):
    response = client.get("/privacy?q=%00")
    assert response.status_code == 400
    [line] = request_lines()
    assert line.status == 400 and line.request_id == response.headers["X-Request-ID"]


def test_the_500_page_shows_the_id_and_the_log_has_the_traceback(client, caplog, crash, request_lines):
    response = client.get(crash, headers={"X-Request-ID": "incident-42"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "incident-42"
    assert "incident-42" in response.get_data(as_text=True)
    [error] = [r for r in caplog.records if r.exc_info]
    assert error.request_id == "incident-42" and "boom in a view" in str(error.exc_info[1])
    assert "RuntimeError: boom in a view" in JSONFormatter().format(error)
    assert request_lines()[-1].status == 500


def test_the_500_page_says_to_quote_the_code_in_english(client, crash):
    client.post("/language", {"locale": "en"})
    page = client.get(crash).get_data(as_text=True)
    request_id = re.search(r"mention this code: ([0-9a-f]{16})", page)
    assert request_id is not None


def test_other_error_pages_show_no_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] not in response.get_data(as_text=True)


@pytest.fixture
def root_handler():
    """configure_root as production runs it, into a buffer; the root logger put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()

    def configure(log_format):
        configure_root(log_format, "INFO", stream=stream)
        return stream

    yield configure
    root.handlers[:], root.level = handlers, level


def test_json_lines_parse_and_carry_the_request_id(client, crash, root_handler):
    stream = root_handler("json")
    ok = client.get("/privacy?email=ria@example.org")
    client.get(crash, headers={"X-Request-ID": "incident-43"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert first["logger"] == "buurthulp.request" and first["level"] == "INFO"
    assert first["message"].startswith("GET /privacy 200 ")
    assert first["request_id"] == ok.headers["X-Request-ID"]
    assert (first["method"], first["path"], first["status"]) == ("GET", "/privacy", 200)
    assert datetime.fromisoformat(first["timestamp"]).tzinfo is not None
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "incident-43" and "RuntimeError: boom in a view" in error["exception"]
    assert "ria@example.org" not in stream.getvalue()


def test_text_lines_show_the_request_id(client, root_handler):
    stream = root_handler("text")
    response = client.get("/privacy")
    [line] = stream.getvalue().splitlines()
    assert f"INFO buurthulp.request [{response.headers['X-Request-ID']}] GET /privacy 200 " in line


def test_configure_root_replaces_its_own_handler(root_handler):
    root_handler("text")
    root_handler("json")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_buurthulp", False)]
    assert len(ours) == 1 and isinstance(ours[0].formatter, JSONFormatter)


def test_a_line_outside_a_request_has_no_request_id():
    record = logging.LogRecord("buurthulp.x", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    assert "request_id" not in json.loads(JSONFormatter().format(record))
    assert TextFormatter().format(record).endswith(" INFO buurthulp.x hello there")


def test_a_job_run_logs_its_outcome_and_counts(app, caplog):
    caplog.set_level(logging.INFO, logger="buurthulp.scheduler")
    run_job(Job("counting", lambda session, now: {"reminded": 3, "skipped": 1}, every_minutes=60), NOW)
    [line] = [r for r in caplog.records if getattr(r, "job", None) == "counting"]
    assert (line.outcome, line.counts, line.slot) == ("ok", {"reminded": 3, "skipped": 1}, "2026-12-01T09:00:00+00:00")
    assert line.duration_ms >= 0 and "reminded" in line.getMessage() and "counting" in line.getMessage()
    assert json.loads(JSONFormatter().format(line))["counts"] == {"reminded": 3, "skipped": 1}


def test_a_failed_job_run_logs_its_outcome_and_traceback(app, caplog):
    def broken(session, now):
        raise RuntimeError("mail server down")

    caplog.set_level(logging.INFO, logger="buurthulp.scheduler")
    run_job(Job("broken", broken, every_minutes=60), NOW)
    assert any(r.exc_info and "mail server down" in str(r.exc_info[1]) for r in caplog.records)
    [line] = [r for r in caplog.records if getattr(r, "job", None) == "broken"]
    assert line.outcome == "failed" and line.counts == {}
