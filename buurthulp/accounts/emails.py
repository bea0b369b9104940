"""The mails of accounts: confirm your address, someone tried to join with it, reset your password."""

from __future__ import annotations

from flask import current_app

from buurthulp.accounts.models import Neighbour
from buurthulp.accounts.tokens import confirmation_token, reset_token
from buurthulp.mail import external_url, queue_email


def registration_attempt(session, neighbour: Neighbour) -> None:
    """Tell an account's owner that someone tried to join with their address, with links to log in or reset."""
    if neighbour.is_active:
        minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
        reset_url = external_url("accounts.reset_password", token=reset_token(neighbour))
    else:  # no password to reset: the forgot-password page says what it can
        minutes, reset_url = None, external_url("accounts.forgot_password")
    queue_email(
        session, neighbour.email, "accounts/register_attempt", neighbour.locale,
        neighbour=neighbour, minutes=minutes, reset_url=reset_url,
        login_url=external_url("accounts.login", email=neighbour.email),
    )


def confirmation(session, neighbour: Neighbour) -> None:
    """Mail a signed link that confirms the e-mail address."""
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    queue_email(
        session, neighbour.email, "accounts/confirm", neighbour.locale,
        neighbour=neighbour, hours=hours,
        url=external_url("accounts.confirm", token=confirmation_token(neighbour)),
    )


def password_reset(session, neighbour: Neighbour) -> None:
    """Mail a link that sets a new password; it works once and for RESET_TOKEN_MAX_AGE."""
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    queue_email(
        session, neighbour.email, "accounts/reset", neighbour.locale,
        neighbour=neighbour, minutes=minutes,
        url=external_url("accounts.reset_password", token=reset_token(neighbour)),
    )
