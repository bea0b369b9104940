"""Logging in one place: a line per request with its id, and text or JSON lines on the root logger.

Every record made while a request is handled carries that request's id (``record.request_id``), whichever
logger made it: the request line, Flask's traceback of a 500, a mail failure. The id comes back in the
``X-Request-ID`` header and on the 500 page, so a neighbour who calls can quote it and it finds the lines.
Nothing personal is logged here: no query string, no form, no e-mail address, no name.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy in front (nginx's $request_id) or a client sent, kept when it cannot smuggle anything into
# a log line; anything else is replaced by one of ours.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
request_log = logging.getLogger("buurthulp.request")

# The attributes every LogRecord has; the others on a record are the ``extra`` fields of its call.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "request_id", "taskName"}


def init_logging(app: Flask) -> None:
    """The root handler (not when testing: pytest's caplog owns it there), request ids and request lines."""
    if not app.testing:
        configure_root(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
        # Flask gives its logger a handler of its own when no handler is set up; ours on the root is enough.
        app.logger.removeHandler(default_handler)
    _install_record_factory()
    # Registered before init_input's check, which may answer first: a refused request has an id and a line too.
    app.before_request(_start_request)
    app.after_request(_finish_request)


def configure_root(log_format: str = "text", level: str | int = "INFO", stream=None) -> logging.Handler:
    """One handler on the root logger, in ``text`` or ``json``; calling it again replaces the one before."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_buurthulp", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._buurthulp = True
    handler.setFormatter(JSONFormatter() if str(log_format).lower() == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    if root.getEffectiveLevel() > logging.DEBUG:
        # APScheduler says "Running job" and "executed successfully" for every run, several times a minute;
        # run_job's own line says more. Its warnings (a missed run) still come through.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


class TextFormatter(logging.Formatter):
    """``2026-12-01 09:17:03,120 INFO buurthulp.request [3f2a9c0d1e4b5a69] GET /posts 200 12.3 ms``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        text = f" [{request_id}] {record.message}" if request_id else f" {record.message}"
        return f"{record.asctime} {record.levelname} {record.name}{text}"


class JSONFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, the call's extra fields, and
    the traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES and k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def request_id() -> str:
    """This request's id: the sane one the client or proxy sent, else a new one; the same all request long."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    return g.request_id


_base_record_factory = None


def _install_record_factory() -> None:
    global _base_record_factory
    if _base_record_factory is not None:
        return
    _base_record_factory = logging.getLogRecordFactory()

    def record_with_request_id(*args, **kwargs) -> logging.LogRecord:
        record = _base_record_factory(*args, **kwargs)
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return record

    logging.setLogRecordFactory(record_with_request_id)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish_request(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    path = logged_path()
    request_log.info("%s %s %s %s ms", request.method, path, response.status_code, duration_ms,
                     extra={"method": request.method, "path": path, "status": response.status_code,
                            "duration_ms": duration_ms})
    return response


def logged_path() -> str:
    """The path without its query string; a link's token (reset, confirm, unsubscribe) is left out too: it is a
    key to someone's account and carries who they are."""
    rule, args = request.url_rule, request.view_args or {}
    if rule is not None and any("token" in name for name in args):
        return rule.rule
    return request.path
