"""The shared pot: compensation settings, the ledger, allowance limits and balances."""

from flask import Blueprint

bp = Blueprint("pot", __name__, url_prefix="/pot")
