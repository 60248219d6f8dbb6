"""Celery tasks: publishing (or updating) a sequence as LMS assignments (AGS), and sending a score again.

Both take a row id and re-read everything, so running one twice is safe.
``publish_to_lms`` (see ``tool.publish.ags_publisher.run_publish``): transient LMS
failures are retried with exponential backoff and jitter up to ``MAX_RETRIES``;
after that, or on a permanent failure, the job is ``failed`` with the reason for
the teacher, who can publish again (which resumes, never duplicates).
``send_score_later``: when the LMS was busy as the teacher confirmed a success,
the score is sent again in the background (each attempt counted on the step's
progress row and logged); a score already posted is never sent twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from flask import current_app

from tool import db as database
from tool.lti.ags import AgsClient, AgsError
from tool.lti.runtime import get_runtime
from tool.publish import lifecycle, scores
from tool.publish.ags_publisher import run_publish
from tool.publish.models import Publication

log = logging.getLogger(__name__)

MAX_RETRIES = 5
BACKOFF_FACTOR = 2  # seconds: the n-th retry waits up to 2 * 2**n
BACKOFF_MAX = 120
SCORE_RETRIES = 4
SCORE_FIRST_DELAY = 5  # seconds: a busy LMS often answers again within moments
SCORE_BACKOFF_MAX = 300


def _fail(publication_id: int, reason: str) -> None:
    session = database.session()
    session.rollback()
    publication = session.get(Publication, publication_id)
    if publication is not None:
        lifecycle.sync_failed(publication, reason)
        session.commit()


def execute_publish(publication_id: int, *, steps_limit: int | None = None) -> str:
    """Run one publish attempt in the current app context; raises a transient ``AgsError`` to retry."""
    session = database.session()
    publication = session.get(Publication, publication_id)
    if publication is None:
        return "missing"
    try:
        client = AgsClient.for_registration(
            get_runtime(current_app), publication.registration_id, publication.lineitems_url, writing=True
        )
    except AgsError as exc:
        if exc.transient:
            raise
        _fail(publication_id, str(exc))
        return lifecycle.SyncStatus.FAILED.value
    return run_publish(
        session, publication_id, client, current_app.config["SETTINGS"].base_url, steps_limit=steps_limit
    )


@shared_task(bind=True, name="tool.publish.publish_to_lms", max_retries=MAX_RETRIES)
def publish_to_lms(self, publication_id: int) -> str:  # type: ignore[no-untyped-def]
    try:
        return execute_publish(publication_id)
    except AgsError as exc:
        if not exc.transient:
            raise
        if self.request.retries >= MAX_RETRIES:
            _fail(publication_id, f"{exc} Stepping Stones tried {MAX_RETRIES + 1} times; publish again later.")
            return lifecycle.SyncStatus.FAILED.value
        countdown = get_exponential_backoff_interval(
            BACKOFF_FACTOR, self.request.retries, BACKOFF_MAX, full_jitter=True
        )
        log.info(
            "publication %s: transient LMS failure, retry in %ss: %s", publication_id, countdown, exc.detail or exc
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, name="tool.publish.send_score_later", max_retries=SCORE_RETRIES)
def send_score_later(self, progress_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = scores.send_score(progress_id)
    if outcome.transient and self.request.retries < SCORE_RETRIES:
        countdown = get_exponential_backoff_interval(
            SCORE_FIRST_DELAY * 2, self.request.retries + 1, SCORE_BACKOFF_MAX, full_jitter=True
        )
        log.info("score %s: the LMS was busy, trying again in %ss", progress_id, countdown)
        raise self.retry(countdown=max(countdown, SCORE_FIRST_DELAY))
    return outcome.status


def retry_score_later(progress_id: int) -> bool:
    """Queue a background attempt; False when the broker cannot be reached (the teacher can still retry)."""
    try:
        send_score_later.apply_async((progress_id,), countdown=SCORE_FIRST_DELAY)
    except Exception:  # the broker is down: the failed score and its button are on the page anyway
        log.exception("could not queue the score of progress %s", progress_id)
        return False
    return True
