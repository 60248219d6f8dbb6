"""Registers the publish blueprint (teacher pages) with all its routes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported for their side effects: the views register routes on ``bp``, and the
    # tasks module registers the publish task with Celery (web and worker alike).
    from tool.publish import deep_link_views, progress_views, tasks  # noqa: F401
    from tool.publish.blueprint import bp

    app.register_blueprint(bp)
