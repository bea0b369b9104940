"""The living map: places and activities with neighbours' stories, and "ga mee"."""

from flask import Blueprint

bp = Blueprint("places", __name__, url_prefix="/places")
