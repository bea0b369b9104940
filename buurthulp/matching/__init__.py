from flask import Blueprint

bp = Blueprint("matching", __name__, cli_group="matching")
