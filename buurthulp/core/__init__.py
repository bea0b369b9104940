from flask import Blueprint

bp = Blueprint("core", __name__, cli_group=None)
