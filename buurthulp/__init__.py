"""buurthulp: a neighbourhood mutual-aid web app for Dutch resident initiatives."""

from __future__ import annotations

import importlib
import importlib.util
import os

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from buurthulp.converters import init_converters
from buurthulp.extensions import babel, csrf, db, limiter, login_manager, migrate
from buurthulp.input import init_input
from buurthulp.jobs import JOBS_KEY
from buurthulp.logs import init_logging

# Each is a package with a blueprint ``bp`` and optional ``routes`` and ``cli`` modules.
DOMAINS = ("core", "accounts", "neighbourhoods", "posts", "matching", "broker", "pot", "places", "circles",
           "activities", "digest", "admin")


def create_app(config: object | str | None = None) -> Flask:
    """Build the app from a config class (or its name); BUURTHULP_ENV picks the default."""
    import config as config_module  # inside: config.py reads the environment when imported, so not on import of buurthulp

    if config is None or isinstance(config, str):
        name = config or os.environ.get("BUURTHULP_ENV", "development")
        config = config_module.CONFIGS[name]
    if hasattr(config, "check"):
        config.check()

    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(config_module.INSTANCE_DIR),
    )
    app.config.from_object(config)
    init_logging(app)  # first: its request hooks run before any other, so every request has an id
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = app.config.get("PROXY_FIX_X_FOR", 0)
    if proxies:
        # Behind N trusted proxies the client is the Nth address from the right of X-Forwarded-For;
        # without them these headers are anyone's to forge and are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.BASE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # Flask-Login's own "Please log in to access this page." is English; ours is in the catalogue, and str()
    # turns it into the reader's language when it is flashed.
    login_manager.login_message = _l("Log in first to see this page.")
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"

    # inside: every domain imports this package, so it loads them only when an app is built; every model is
    # registered before the mappers configure
    from buurthulp import models  # noqa: F401

    init_converters(app)  # before any blueprint adds a rule
    init_input(app)
    jobs = {}
    for domain in DOMAINS:
        package = importlib.import_module(f"buurthulp.{domain}")
        # each domain's pages, commands, scheduled jobs and answers to other domains' signals
        for part in ("routes", "cli", "jobs", "receivers"):
            if importlib.util.find_spec(f"buurthulp.{domain}.{part}"):
                module = importlib.import_module(f"buurthulp.{domain}.{part}")
                jobs.update({job.name: job for job in getattr(module, "JOBS", []) if part == "jobs"})
        app.register_blueprint(package.bp)
    app.extensions[JOBS_KEY] = jobs

    # inside: these import the domains, which import this package
    from buurthulp.core.web import init_web
    from buurthulp.scheduler import init_cli, start_in_process

    init_web(app)
    init_cli(app)
    if app.config["SCHEDULER_IN_PROCESS"] and not app.testing:
        start_in_process(app)
    return app


def select_locale() -> str:
    """The neighbour's own language, else the one chosen in this browser, else Dutch.

    Dutch is the default whatever the browser says: the app is for Dutch
    neighbourhoods, and a shared tablet set to English should still open in Dutch.
    """
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if request and session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]
