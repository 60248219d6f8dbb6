"""Stepping Stones: an LTI 1.3 tool that designs self-efficacy sequences."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings, get_settings

# Feature modules, each exposing ``init_app(app)``; imported inside the factory so
# nothing is built at import time.
FEATURES = (
    "tool.health",
    "tool.lti.views",
    "tool.teacher.export_views",  # before the teacher views: its routes join the teacher blueprint
    "tool.teacher.preview_views",  # before the teacher views: its routes join the teacher blueprint
    "tool.teacher.student_data_views",  # before the teacher views: its routes join the teacher blueprint
    "tool.teacher.views",
    "tool.student.views",
    "tool.publish.views",
    "tool.admin.views",
)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the tool's Flask app from settings (read once, at start)."""
    settings = settings or get_settings()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        # Launches happen inside LMS iframes: cookies must be cross-site capable.
        SESSION_COOKIE_SAMESITE="None",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    app.config.update(overrides)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    if settings.trusted_proxy_hops:
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]

    from tool import db, db_resilience, kv_store, logging_setup, pages

    logging_setup.init_app(app)  # first: every later hook and log line gets the request's ids
    db.init_app(app)
    app.extensions["kv_store"] = kv_store.make_store(settings.cache_url, app.extensions["db_engine"])
    pages.init_app(app)
    db_resilience.init_app(app)
    for name in FEATURES:
        importlib.import_module(name).init_app(app)

    from tool import cli
    from worker.celery_app import celery_init_app

    celery_init_app(app)
    cli.init_app(app)
    return app
