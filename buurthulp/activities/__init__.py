"""Activities neighbours can join: put on, sign up, waiting list, lifts, reminders, calendar."""

from flask import Blueprint

bp = Blueprint("activities", __name__, url_prefix="/activities")
