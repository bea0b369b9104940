"""Configuration classes; environment variables override the defaults."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("BUURTHULP_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _development_secret_key() -> str:
    """A secret key made once per instance folder and kept there."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'buurthulp.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = None  # tied to the session; a tablet left open overnight still works

    # Mail. Without MAIL_SERVER, mail goes to instance/outbox/ and /dev/outbox lists it.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "buurthulp <noreply@buurthulp.local>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # The outbox: a failed mail is tried again after MAIL_RETRY_SECONDS, doubling up to MAIL_RETRY_MAX_SECONDS,
    # at most MAIL_MAX_ATTEMPTS times; a sender holds the mails it took for MAIL_LEASE_SECONDS; sent mail is kept
    # MAIL_KEEP_SENT_DAYS days for the site admins' page.
    MAIL_RETRY_SECONDS = _int("MAIL_RETRY_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 10)
    MAIL_LEASE_SECONDS = _int("MAIL_LEASE_SECONDS", 600)
    MAIL_KEEP_SENT_DAYS = _int("MAIL_KEEP_SENT_DAYS", 30)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "buurthulp")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: log it and let people in rather than answer every log-in with an error page.
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed log-ins per account (the e-mail address tried) and per client address. The address limit is
    # higher: a library or care home shares one address, and made-up accounts tried there must not block it.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute;100 per hour")
    # Accounts joined per e-mail address (each attempt mails the address) and per client address: generous, as
    # a sign-up afternoon in a community centre is twenty people or more on one wifi.
    REGISTER_ACCOUNT_RATE_LIMIT = os.environ.get("REGISTER_ACCOUNT_RATE_LIMIT", "3 per hour")
    REGISTER_ADDRESS_RATE_LIMIT = os.environ.get("REGISTER_ADDRESS_RATE_LIMIT", "60 per hour")
    # The largest request: a photo of at most 8 MB (accounts.photos) and the form around it. A photo between
    # 8 and 10 MB is refused on its form; above this, before the form is read (core.web's 413 handler).
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are trusted (0: none).
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    # Strict-Transport-Security max-age in seconds (0: no header); production sends a year.
    HSTS_SECONDS = _int("HSTS_SECONDS", 0)

    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"
    EMAIL_TOKEN_MAX_AGE = _int("EMAIL_TOKEN_MAX_AGE", 60 * 60 * 48)
    RESET_TOKEN_MAX_AGE = _int("RESET_TOKEN_MAX_AGE", 60 * 60 * 2)
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")

    SCHEDULER_IN_PROCESS = _bool("SCHEDULER_IN_PROCESS", False)
    MATCH_MAX_METRES = _int("MATCH_MAX_METRES", 3000)
    MATCH_SUGGESTIONS_PER_ASK = _int("MATCH_SUGGESTIONS_PER_ASK", 3)
    MATCH_PROPOSALS_PER_HELPER_PER_WEEK = _int("MATCH_PROPOSALS_PER_HELPER_PER_WEEK", 2)
    MATCH_SUGGESTION_MAIL_DAYS = _int("MATCH_SUGGESTION_MAIL_DAYS", 7)
    # a suggestion nobody answers ends after this many days, and the matcher suggests the next helper
    MATCH_SUGGESTION_DAYS = _int("MATCH_SUGGESTION_DAYS", 2)
    # after a no, the matcher does not suggest the same two people to each other again for this many days
    # (for the same ask never again; a block keeps two people apart for good)
    MATCH_DECLINE_PAUSE_DAYS = _int("MATCH_DECLINE_PAUSE_DAYS", 90)
    BROKER_STALE_DAYS = _int("BROKER_STALE_DAYS", 7)
    BROKER_FOLLOW_UP_DAYS = _int("BROKER_FOLLOW_UP_DAYS", 3)
    BROKER_FOLLOW_UP_WINDOW_DAYS = _int("BROKER_FOLLOW_UP_WINDOW_DAYS", 60)
    BROKER_QUEUE_PAGE_SIZE = _int("BROKER_QUEUE_PAGE_SIZE", 25)
    # how long a circle's invitation link works (it works once)
    CIRCLE_INVITE_MAX_AGE_DAYS = _int("CIRCLE_INVITE_MAX_AGE_DAYS", 14)
    # The living map's map view: a tile server ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"); none: list only.
    PLACES_TILE_URL = os.environ.get("PLACES_TILE_URL", "")
    PLACES_TILE_ATTRIBUTION = os.environ.get("PLACES_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # Volunteer allowance limits of years the app does not ship, as JSON: {"2026": {"hourly_cents": 575,
    # "hourly_under_21_cents": 340, "monthly_cents": 21000, "yearly_cents": 210000}}
    POT_ALLOWANCE_LIMITS = json.loads(os.environ.get("POT_ALLOWANCE_LIMITS") or "{}")
    # A booking like one booked this many minutes ago (same kind, member, amount and day) is asked about first.
    POT_REPEAT_WINDOW_MINUTES = _int("POT_REPEAT_WINDOW_MINUTES", 60)
    # /healthz: the scheduler process must have beaten within this many seconds (when one is expected), and no
    # mail may wait longer than this to be sent.
    HEALTH_EXPECT_SCHEDULER = _bool("HEALTH_EXPECT_SCHEDULER", False)
    HEALTH_HEARTBEAT_MAX_AGE_SECONDS = _int("HEALTH_HEARTBEAT_MAX_AGE_SECONDS", 300)
    HEALTH_MAIL_MAX_AGE_SECONDS = _int("HEALTH_MAIL_MAX_AGE_SECONDS", 900)
    # "text" (a line for people) or "json" (an object per line, for a log collector); the root logger's level.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    OUTBOX_PAGE = False
    DEBUG = False
    TESTING = False


class DevConfig(Config):
    """Local development: a secret key kept in instance/, mail to the outbox."""

    DEBUG = _bool("FLASK_DEBUG", False)
    SECRET_KEY = Config.SECRET_KEY or _development_secret_key()
    OUTBOX_PAGE = True
    PUBLIC_URL = Config.PUBLIC_URL or "http://127.0.0.1:5000"


class ProductionConfig(Config):
    """Production: refuses to start without SECRET_KEY; secure cookies."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = _int("HSTS_SECONDS", 60 * 60 * 24 * 365)
    # production runs `flask scheduler run` beside the web processes; /healthz fails when it stops beating
    HEALTH_EXPECT_SCHEDULER = _bool("HEALTH_EXPECT_SCHEDULER", True)

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in the environment in production.")
        if not cls.PUBLIC_URL:
            raise RuntimeError("PUBLIC_URL must be set in production: scheduled mail links are built from it.")


class TestConfig(Config):
    """Tests: a throw-away database, CSRF on (tests send the token), fast hashes."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    OUTBOX_PAGE = True
    SERVER_NAME = None
    PUBLIC_URL = "http://localhost"
    HEALTH_EXPECT_SCHEDULER = False  # no scheduler process beats in tests, whatever the environment says
    # scrypt costs ~0.1 s a hash; tests make hundreds of neighbours. Checks still run for real.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


CONFIGS = {
    "development": DevConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}
