"""Celery wired the Flask way: every task runs inside the app context.

Tasks take row ids, re-read their rows and are safe to run twice. JSON only.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from flask import Flask


def _transport_options(broker_url: str, visibility_timeout: int) -> dict[str, Any]:
    """Per-transport options; kombu passes the SQLAlchemy transport's straight to ``create_engine``.

    Neither transport is relied on to bring back a lost message: the SQL transport never
    restores a fetched one, and Redis only after its visibility timeout. The job lease and
    the sweeper (``tool.teacher.tasks``) recover lost jobs within a lease plus a sweep.
    """
    if broker_url.startswith("sqla+"):
        # The embedded broker: wait for SQLite's write lock instead of failing a publish.
        return {"connect_args": {"timeout": 30}} if "sqlite" in broker_url else {}
    # Redis redelivers a message unacknowledged for this long. Longer than a whole generation
    # (deadline plus the longest retry countdown) so a healthy run is not delivered twice;
    # a duplicate would be harmless anyway (the lease makes the second delivery a no-op).
    return {"visibility_timeout": visibility_timeout}


def visibility_timeout_for(settings: Any) -> int:
    from tool.teacher.tasks import RETRY_BACKOFF_MAX

    return int(settings.generation_deadline_seconds + RETRY_BACKOFF_MAX + settings.job_lease_seconds)


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
        broker_transport_options=_transport_options(settings.broker_url, visibility_timeout_for(settings)),
        broker_connection_retry_on_startup=True,
        # A teacher waits on a submit while the broker is down: give up on a publish within seconds
        # (the job is kept and the sweeper dispatches it later).
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        worker_hijack_root_logger=False,
        beat_schedule={**BEAT_SCHEDULE, **_sweeper_schedule(settings)},
        beat_schedule_filename=str(settings.instance_dir / "celerybeat-schedule"),
    )
    _sweep_when_ready(app, celery_app)
    _fresh_connections_per_process(app)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _sweeper_schedule(settings: Any) -> dict[str, dict[str, Any]]:
    """The stuck-job sweeper; a sweep that waited a whole interval in the queue is dropped
    (the next one is on its way)."""
    interval = settings.sweep_interval_seconds
    return {
        "sweep-generation-jobs": {"task": "teacher.sweep_jobs", "schedule": interval, "options": {"expires": interval}}
    }


def _sweep_when_ready(app: Flask, celery_app: Celery[Any]) -> None:
    """A worker that starts (e.g. after a crash) sweeps at once instead of waiting for beat."""
    from celery.signals import worker_ready

    @worker_ready.connect(weak=False)
    def _sweep(sender: Any = None, **_: Any) -> None:
        if sender is None or sender.app is not celery_app:
            return
        from tool.db import session
        from tool.teacher.tasks import sweep

        with app.app_context():
            try:
                sweep(session())
            except Exception:  # never stop a worker from starting
                logging.getLogger(__name__).exception("sweep at worker start failed")


def _fresh_connections_per_process(app: Flask) -> None:
    """A forked pool process must not share the parent's pooled database connections (the
    parent sweeps at start, so it holds some): drop the inherited ones without closing them."""
    from celery.signals import worker_process_init

    @worker_process_init.connect(weak=False)
    def _dispose(**_: Any) -> None:
        app.extensions["db_engine"].dispose(close=False)
