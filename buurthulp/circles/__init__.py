from flask import Blueprint

bp = Blueprint("circles", __name__, url_prefix="/circles")
