"""deploy/: the env example names every setting, and the systemd units and Caddy run what exists."""

from __future__ import annotations

import ast
import configparser
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gunicorn.config import Config as GunicornConfig

from buurthulp.core.backup import default_name

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "buurthulp.env.example"
SETTING = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
# commented-out lines show the default, but for these, which show an example instead
EXAMPLES_NOT_DEFAULTS = {"PLACES_TILE_URL", "POT_ALLOWANCE_LIMITS"}


def settings_read_by(path: Path) -> set[str]:
    """The names a module reads from the environment: os.environ.get("X"), os.environ["X"], _int("X"), _bool("X")."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in {"os.environ.get", "os.getenv", "_int", "_bool"}:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return names


def env_example() -> tuple[dict[str, str], dict[str, str]]:
    """The settings the example sets, and those it shows commented out; values without their quotes."""
    active, commented = {}, {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := SETTING.match(line.strip()):
            value = match[3]
            if len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1]
            (commented if match[1] else active)[match[2]] = value
    return active, commented


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",), comment_prefixes=("#",))
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(), source=name)
    return parser


def test_every_setting_config_reads_is_in_the_env_example():
    read = settings_read_by(ROOT / "config.py") | settings_read_by(ROOT / "buurthulp" / "__init__.py")
    assert {"DATABASE_URL", "SECRET_KEY", "MAIL_PORT", "SESSION_COOKIE_SECURE", "BUURTHULP_ENV"} <= read
    active, commented = env_example()
    assert sorted(read - active.keys() - commented.keys()) == []
    assert not active.keys() & commented.keys()


def test_the_env_example_is_set_for_production():
    active, _ = env_example()
    assert active["BUURTHULP_ENV"] == "production" and active["FLASK_APP"] == "wsgi"
    assert active["SECRET_KEY"] == ""  # to fill in: production refuses to start without it
    assert active["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert active["PUBLIC_URL"].startswith("https://") and not active["PUBLIC_URL"].endswith("/")
    assert active["RATELIMIT_STORAGE_URI"].startswith("redis://127.0.0.1:")
    assert active["PROXY_FIX_X_FOR"] == "1"  # Caddy, the one proxy in front
    assert active["MAIL_SERVER"] and active["SCHEDULER_IN_PROCESS"] == "false"


def test_the_env_example_loads_and_shows_the_defaults():
    """Production's config with the example's settings (a key filled in) starts, and commented values are defaults."""
    active, commented = env_example()
    script = ("import json, config\n"
              "c = config.ProductionConfig\n"
              "c.check()\n"
              "print(json.dumps({k: getattr(c, k) for k in dir(c) if k.isupper()}, default=str))\n")

    def production_config(env: dict[str, str]) -> dict:
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False,
                                env={"PATH": os.environ.get("PATH", ""), **env, "SECRET_KEY": "x" * 64})
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    everything = production_config({**active, **commented})
    assert everything["POT_ALLOWANCE_LIMITS"]["2026"]["monthly_cents"] == 21000
    assert everything["LOGIN_ACCOUNT_RATE_LIMIT"] == "5 per minute;20 per hour"
    assert everything["MAIL_SENDER"] == "Buurthulp <buurthulp@example.nl>"
    defaults = production_config(active)
    for name, value in commented.items():
        if name in defaults and name not in EXAMPLES_NOT_DEFAULTS:
            assert str(defaults[name]).lower() == value.lower(), f"{name}: the example shows {value}, the default is {defaults[name]}"


@pytest.mark.parametrize("name", ["buurthulp-web.service", "buurthulp-scheduler.service", "buurthulp-backup.service"])
def test_the_services_run_as_the_buurthulp_user_with_the_settings_and_hardened(name):
    service = unit(name)["Service"]
    active, _ = env_example()
    assert service["User"] == "buurthulp" and service["Group"] == "buurthulp"
    assert service["EnvironmentFile"] == "/etc/buurthulp/buurthulp.env"
    assert service["WorkingDirectory"] == "/opt/buurthulp"
    assert shlex.split(service["ExecStart"])[0].startswith("/opt/buurthulp/.venv/bin/")
    assert service["NoNewPrivileges"] == "true" and service["ProtectSystem"] == "strict"
    # the instance folder is writable, and systemd makes it for the user
    assert active["BUURTHULP_INSTANCE"] in service["ReadWritePaths"].split()
    assert f"/var/lib/{service['StateDirectory']}" == active["BUURTHULP_INSTANCE"]


def test_the_web_service_runs_gunicorn_on_wsgi_app_behind_caddy():
    web = unit("buurthulp-web.service")
    assert {"Unit", "Service", "Install"} <= set(web.sections())
    assert web["Service"]["Restart"] == "on-failure" and web["Install"]["WantedBy"] == "multi-user.target"
    command = shlex.split(web["Service"]["ExecStart"])
    assert Path(command[0]).name == "gunicorn"
    options = GunicornConfig(prog="gunicorn").parser().parse_args(command[1:])  # fails on an unknown option
    assert options.args == ["wsgi:app"] and "app = create_app()" in (ROOT / "wsgi.py").read_text()
    assert options.bind == ["127.0.0.1:8000"] and options.workers == 3
    assert "--no-control-socket" in command  # gunicorn 27 opens a control socket by default
    assert re.search(r"^\s*reverse_proxy 127\.0\.0\.1:8000$", (DEPLOY / "Caddyfile").read_text(), re.M)
    assert 'Strict-Transport-Security "max-age=' in (DEPLOY / "Caddyfile").read_text()


@pytest.mark.parametrize(("name", "command"), [
    ("buurthulp-scheduler.service", ["scheduler", "run"]),
    ("buurthulp-backup.service", ["backup", "create", "/var/backups/buurthulp"]),
])
def test_the_other_services_run_flask_commands_that_exist(name, command, runner):
    service = unit(name)["Service"]
    executable, *args = shlex.split(service["ExecStart"])
    assert Path(executable).name == "flask" and args == command
    result = runner.invoke(args=[*args, "--help"])
    assert result.exit_code == 0, result.output
    assert re.match(rf"Usage: \S+ {command[0]} {command[1]} ", result.output)  # the command itself, not its group


def test_the_backup_runs_daily_and_deletes_only_old_backups():
    service, timer = unit("buurthulp-backup.service"), unit("buurthulp-backup.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert "/var/backups/buurthulp" in service["Service"]["ReadWritePaths"].split()
    keep = re.fullmatch(r"BACKUP_KEEP_DAYS=(\d+)", service["Service"]["Environment"])
    assert keep and int(keep[1]) >= 7
    # after a new backup was written (ExecStartPost runs only when ExecStart succeeded)
    find = shlex.split(service["Service"]["ExecStartPost"])
    assert find[:2] == ["/usr/bin/find", "/var/backups/buurthulp"] and "-delete" in find
    assert find[find.index("-mtime") + 1] == "+${BACKUP_KEEP_DAYS}"
    pattern = find[find.index("-name") + 1]
    assert fnmatch.fnmatch(default_name(datetime.now(UTC)), pattern) and not fnmatch.fnmatch("buurthulp.env", pattern)
    assert timer["Timer"]["Unit"] == "buurthulp-backup.service" and (DEPLOY / timer["Timer"]["Unit"]).exists()
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_flask_helper_is_executable():
    helper = DEPLOY / "buurthulp-flask"
    assert os.access(helper, os.X_OK)
    assert subprocess.run(["sh", "-n", str(helper)], check=False).returncode == 0
