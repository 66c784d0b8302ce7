"""Gunicorn settings for production: gevent workers sized from the environment.

This file must not import the app, SQLAlchemy or psycopg: psycopg picks its wait function at
import time, so the gevent worker has to patch `select` first (it does, right after fork).
"""

import os

# HOST/PORT come from the environment so the same command runs in Docker and on loopback.
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
# One process per core is plenty: each gevent worker multiplexes many requests. CPU-bound work
# (model inference in ml-serving projects) runs on the worker's native threadpool, not its hub.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
# Never preload: it would import psycopg in the master before gevent patches, serialising sessions.
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# No per-request access log by default (it costs throughput); set ACCESS_LOG=- to enable.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
# X-Forwarded-Proto only from FORWARDED_ALLOW_IPS, the proxies the app believes X-Forwarded-For
# from (security.py); none by default, so no client can claim https or another address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
# No control socket (gunicorn 25.1+): it lives in $HOME, which is shared or read-only in containers.
control_socket_disable = True
