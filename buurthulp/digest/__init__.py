"""The monthly digest by mail: what fits you nearby, your matches and thanks, new places, your pot."""

from flask import Blueprint

bp = Blueprint("digest", __name__, url_prefix="/digest")
