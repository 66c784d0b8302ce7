"""WSGI entry point: `gunicorn flask_full_stack.wsgi:app` (the gevent worker patches first)."""

from . import create_app

app = create_app()
