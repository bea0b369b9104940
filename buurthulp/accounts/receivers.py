"""The account's own part of a person's export, and its erasure, which runs last."""

from buurthulp import privacy
from buurthulp.accounts.services import export_profile, pseudonymise

privacy.register("accounts", export=export_profile, erase=pseudonymise, order=1000)
