"""The WSGI entry point: gunicorn 'wsgi:app'."""

from buurthulp import create_app

app = create_app()
