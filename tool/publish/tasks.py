"""Celery tasks: publishing (or updating) a sequence as LMS assignments (AGS), sending a score again,
and checking whether the LMS saved a deep-linked set.

Each takes a row id and re-reads everything, so running one twice is safe.
``publish_to_lms`` (see ``tool.publish.ags_publisher.run_publish``): transient LMS
failures are retried with exponential backoff and jitter up to ``MAX_RETRIES``;
after that, or on a permanent failure, the job is ``failed`` with the reason for
the teacher, who can publish again (which resumes, never duplicates).
``send_score_later``: when the LMS was busy as the teacher confirmed a success,
the score is sent again in the background (each attempt counted on the step's
progress row and logged); a score already posted is never sent twice.
``check_sent_items``: a ``sent`` publication (deep linking; the LMS never says whether
the teacher pressed Save) is confirmed when the course's grade item list shows its
steps. The progress page asks for it (``request_sent_check``) instead of calling the
LMS itself, at most once per publication per ``SENT_CHECK_INTERVAL`` seconds, so a
slow or unreachable LMS never holds up a page view.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from flask import current_app

from tool import db as database
from tool.lti.ags import AgsClient, AgsError
from tool.lti.runtime import get_runtime
from tool.publish import lifecycle, neutral, progress, scores
from tool.publish.ags_publisher import run_publish
from tool.publish.models import Publication

log = logging.getLogger(__name__)

MAX_RETRIES = 5
BACKOFF_FACTOR = 2  # seconds: the n-th retry waits up to 2 * 2**n
BACKOFF_MAX = 120
SCORE_RETRIES = 4
SCORE_FIRST_DELAY = 5  # seconds: a busy LMS often answers again within moments
SCORE_BACKOFF_MAX = 300
# A sent publication's grade item list is read at most once per this many seconds (a key in the
# kv store marks the check; the queued message expires with it, so a stopped worker piles nothing up).
SENT_CHECK_INTERVAL = 30
CHECK_PENDING = "pending"  # queued, no answer yet: the page says it is checking and polls
CHECK_DONE = "done"  # the worker looked (found the items, or not, or could not reach the LMS)
CHECK_NOT_QUEUED = "not-queued"  # the broker could not be reached: nothing is pending


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


def _sent_check_key(publication_id: int) -> str:
    return f"publish:sent-check:{publication_id}"


def request_sent_check(publication_id: int) -> bool:
    """Queue a look at the course's grade items unless one was queued in the last ``SENT_CHECK_INTERVAL``
    seconds; True while a check is pending. Never raises: the page renders whatever the broker does."""
    store = current_app.extensions["kv_store"]
    key = _sent_check_key(publication_id)
    try:
        if not store.add(key, CHECK_PENDING, SENT_CHECK_INTERVAL):
            return bool(store.get(key) == CHECK_PENDING)
    except Exception:  # the key/value store is down: no dedupe, so no dispatch either
        log.exception("could not mark the check of publication %s", publication_id)
        return False
    try:
        # No publish retries: a broker that is down must cost the page view as little as possible.
        check_sent_items.apply_async((publication_id,), expires=SENT_CHECK_INTERVAL, retry=False)
    except Exception:  # the broker is down: the page says what it knows; the next view after the interval tries again
        log.exception("could not queue the check of publication %s", publication_id)
        _finish_sent_check(publication_id, CHECK_NOT_QUEUED)
        return False
    return True


def sent_check_pending(publication_id: int) -> bool:
    """Whether a queued check of ``publication_id`` has not answered yet (for the page's poller)."""
    try:
        return bool(current_app.extensions["kv_store"].get(_sent_check_key(publication_id)) == CHECK_PENDING)
    except Exception:
        log.exception("could not read the check of publication %s", publication_id)
        return False


def _finish_sent_check(publication_id: int, outcome: str) -> None:
    try:
        current_app.extensions["kv_store"].set(_sent_check_key(publication_id), outcome, SENT_CHECK_INTERVAL)
    except Exception:  # the mark expires by itself
        log.exception("could not record the check of publication %s", publication_id)


def look_for_sent_items(publication_id: int) -> str:
    """Confirm a ``sent`` publication when the course lists its steps' grade items; returns its state after."""
    from tool.publish.deep_link_views import record_found

    session = database.session()
    publication = session.get(Publication, publication_id)
    if publication is None:
        return "missing"
    state = lifecycle.state_of(publication)
    if state is not lifecycle.PublicationState.SENT or not publication.lineitems_url:
        return state.value
    registration_id, lineitems_url = publication.registration_id, publication.lineitems_url
    session.rollback()  # no transaction open during HTTP: the token is stored through other connections
    try:
        client = AgsClient.for_registration(get_runtime(current_app), registration_id, lineitems_url)
        items = client.list_line_items(tag=neutral.TAG)
    except AgsError as exc:
        log.info("publication %s: could not list the course's grade items: %s", publication_id, exc.detail or exc)
        return state.value
    listed: dict[str, str] = {}
    for item in items:
        if item.get("id"):
            listed.setdefault(str(item.get("resourceId", "")), str(item["id"]))
    with database.transaction() as tx:
        fresh = tx.get(Publication, publication_id)
        if fresh is None:
            return "missing"
        if listed:
            content = progress.publication_content(tx, fresh)
            record_found(fresh, progress.live_steps(fresh, content), listed)  # the lifecycle confirms
        return fresh.state


@shared_task(name="tool.publish.check_sent_items")
def check_sent_items(publication_id: int) -> str:
    try:
        return look_for_sent_items(publication_id)
    finally:
        _finish_sent_check(publication_id, CHECK_DONE)
