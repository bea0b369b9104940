from flask import Blueprint

bp = Blueprint("posts", __name__, cli_group=None)
