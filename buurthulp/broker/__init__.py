from flask import Blueprint

bp = Blueprint("broker", __name__, url_prefix="/broker")
