"""WSGI entry point: `gunicorn flask_crud.wsgi:app` (the gevent worker patches first)."""

from . import create_app

app = create_app()
