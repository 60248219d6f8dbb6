"""Celery wired the Flask way: every task runs inside the app context.

Tasks take row ids, re-read their rows and are safe to run twice. JSON only.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def _transport_options(broker_url: str, longest_retry_chain: int) -> dict[str, Any]:
    """Per-transport options; kombu passes the SQLAlchemy transport's straight to ``create_engine``."""
    if broker_url.startswith("sqla+"):
        # The embedded broker: wait for SQLite's write lock instead of failing a publish.
        return {"connect_args": {"timeout": 30}} if "sqlite" in broker_url else {}
    # Redis: a message unacknowledged for longer than this is redelivered; keep it above
    # the longest retry chain so a slow task is never run twice at once.
    return {"visibility_timeout": max(3600, longest_retry_chain * 2)}


# Celery beat's periodic work (docker/entrypoint.sh beat): name -> {"task": ..., "schedule": seconds, ...}.
# Features add their entries here (the stuck-job sweeper, the retention purge).
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}


def celery_init_app(app: Flask) -> Celery[Any]:
    settings = app.config["SETTINGS"]

    class FlaskTask(Task):  # type: ignore[type-arg]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app: Celery[Any] = Celery(app.name, task_cls=FlaskTask)
    longest_retry_chain = settings.task_time_limit * (settings.task_max_retries + 2)
    celery_app.conf.update(
        broker_url=settings.broker_url,
        task_ignore_result=True,  # the tool reports progress through its own job rows
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        broker_transport_options=_transport_options(settings.broker_url, longest_retry_chain),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule=BEAT_SCHEDULE,
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
