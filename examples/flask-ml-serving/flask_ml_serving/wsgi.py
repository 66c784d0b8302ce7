"""WSGI entry point: `gunicorn flask_ml_serving.wsgi:app` (the gevent worker patches first)."""

from . import create_app

app = create_app()
