"""The scheduled purge of data past the retention window (Celery beat, hourly)."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import Flask, current_app

from tool.db import session, utcnow
from tool.privacy.lifecycle import expire

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0


@shared_task(name="privacy.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, int]:
    """Delete what is past ``SS_RETENTION_DAYS`` (and sequences deleted over 30 days ago); counts by kind."""
    db = session()
    try:
        done = expire(db, utcnow(), current_app.config["SETTINGS"].retention_days)
        db.commit()
    except Exception:
        db.rollback()
        raise
    if done.sequences:
        log.info("retention purge deleted %s", done.as_dict())
    return done.as_dict()


def init_app(app: Flask) -> None:
    """Add the purge to Celery beat's schedule (read when the Celery app is built, after the features)."""
    from worker.celery_app import BEAT_SCHEDULE

    BEAT_SCHEDULE["privacy-retention-purge"] = {
        "task": "privacy.purge_expired",
        "schedule": PURGE_EVERY_SECONDS,
        "options": {"expires": PURGE_EVERY_SECONDS},
    }
