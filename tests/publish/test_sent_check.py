"""A sent (deep-linked, unconfirmed) publication is checked against the course in the background.

The progress page never calls the LMS itself: a slow or unreachable LMS would hold the
teacher's page for the whole HTTP timeout (20 s) on every view. The page queues one check
per publication per ``SENT_CHECK_INTERVAL`` seconds, says it is checking, and its poller
reloads when the worker has answered; a broker that is down costs the page nothing but the line.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from publish.e2e import LmsWorld, wait_for
from tool.publish import tasks

BOTH = pytest.mark.parametrize("lms_world", ["moodle", "canvas"], indirect=True)
CHECKING = "whether the steps are in the course…"
PAGE_BUDGET_SECONDS = 5.0  # generous for a loaded CI machine; the LMS client's own timeout is 20 s


class Hang:
    """WSGI middleware for the devlms: requests (those ``match`` picks; default all) wait until
    released and are counted, as an LMS that accepts connections and then answers nothing."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], match: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> None:
        self.app, self.match = app, match
        self.seen = 0
        self.release = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.match(environ):
            self.seen += 1
            self.release.wait(timeout=60)
        return self.app(environ, start_response)


def grade_item_lists(environ: dict[str, Any]) -> bool:
    return environ["REQUEST_METHOD"] == "GET" and str(environ["PATH_INFO"]).endswith(("/lineitems", "/line_items"))


@pytest.fixture
def dispatches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every check the page hands to the broker (the real ``apply_async`` still runs)."""
    calls: list[tuple[Any, ...]] = []
    real = tasks.check_sent_items.apply_async

    def counting(args: tuple[Any, ...], **options: Any) -> Any:
        calls.append(args)
        return real(args, **options)

    monkeypatch.setattr(tasks.check_sent_items, "apply_async", counting)
    return calls


def _status(world: LmsWorld, token: str) -> dict[str, Any]:
    answer = world.app.test_client().get(
        f"/teacher/sequences/{world.sequence_public_id}/publication.json", query_string={"lt": token}
    )
    assert answer.status_code == 200
    result: dict[str, Any] = answer.get_json()
    return result


def _timed_page(world: LmsWorld, token: str) -> tuple[str, float]:
    started = time.monotonic()
    html = world.progress_page(token)  # asserts 200
    return html, time.monotonic() - started


@pytest.fixture
def hanging(lms_world: LmsWorld) -> Iterator[Hang]:
    """The devlms, from now on, never answers (until the test ends)."""
    hang = lms_world.lms.wrap(Hang)
    try:
        yield hang
    finally:
        hang.release.set()


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_the_progress_page_answers_without_asking_a_hanging_lms(
    lms_world: LmsWorld, dispatches: list[tuple[Any, ...]], request: pytest.FixtureRequest
) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    token, links = world.publish_by_deep_link(mode="mastery")  # saved: the course lists the items
    assert len(links) == 3 and world.publication().state == "sent"
    hang: Hang = request.getfixturevalue("hanging")  # no worker runs: nothing consumes the check

    html, seconds = _timed_page(world, token)
    assert seconds < PAGE_BUDGET_SECONDS, f"the page took {seconds:.1f}s"
    assert hang.seen == 0  # the page view made no request to the LMS at all
    assert 'data-state="sent"' in html and f"Checking with Moodle {CHECKING}" in html
    assert "poll-publication.js" in html  # the page's poller picks up the answer
    assert _status(world, token)["checking"] is True

    again, seconds = _timed_page(world, token)
    assert seconds < PAGE_BUDGET_SECONDS and f"Checking with Moodle {CHECKING}" in again
    publication_id = world.publication().id
    assert dispatches == [(publication_id,)]  # one check per interval, however often the page is opened
    assert hang.seen == 0


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_broker_that_is_down_leaves_the_page_working(
    lms_world: LmsWorld, dispatches: list[tuple[Any, ...]], caplog: pytest.LogCaptureFixture
) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    token, _ = world.publish_by_deep_link(mode="mastery")
    # A broker that cannot be opened (a real failure, no double).
    world.app.extensions["celery"].conf.broker_url = "sqla+sqlite:////nonexistent-dir-for-test/broker.sqlite"

    html, seconds = _timed_page(world, token)
    assert seconds < PAGE_BUDGET_SECONDS, f"the page took {seconds:.1f}s"
    assert 'data-state="sent"' in html and "Moodle has not confirmed yet" in html
    assert CHECKING not in html and "poll-publication.js" not in html  # nothing pending: no poller
    assert "I can see the steps in my course" in html  # the teacher can still confirm by hand
    assert any("could not queue the check" in r.getMessage() for r in caplog.records)
    assert _status(world, token)["checking"] is False
    world.progress_page(token)
    assert len(dispatches) == 1  # the broker is not hammered on every view either
    assert world.publication().state == "sent"


@BOTH
def test_the_worker_confirms_a_saved_publish_when_the_course_lists_its_grade_items(
    lms_world: LmsWorld, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    token, links = world.publish_by_deep_link(mode="mastery")  # Moodle: Save; Canvas: returned
    assert len(links) == 3 and world.publication().state == "sent"  # nobody has said anything yet
    html = world.progress_page(token)
    name = "Moodle" if world.flavour == "moodle" else "Canvas"
    # Still "sent" in this view (the check is the worker's), unless the worker was already quicker.
    assert f"Checking with {name} {CHECKING}" in html or 'data-state="confirmed"' in html
    wait_for(lambda: world.publication().state == "confirmed", timeout=60, what="the worker's check")
    publication = world.publication()
    assert publication.confirmed_by == "line_items" and all(step.line_item_url for step in publication.steps)
    assert _status(world, token)["checking"] is False
    html = world.progress_page(token)
    assert 'data-state="confirmed"' in html and "the course lists the steps’ grade items" in html
    assert CHECKING not in html


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_cancelled_publish_stays_sent_after_the_check_and_the_line_goes(
    lms_world: LmsWorld, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    token, links = world.publish_by_deep_link(mode="mastery", save=False)  # Cancel on Moodle's summary
    assert links == []
    world.progress_page(token)
    wait_for(lambda: _status(world, token)["checking"] is False, timeout=60, what="the worker's check")
    assert world.publication().state == "sent"
    html = world.progress_page(token)  # within the interval: the answer stands, nothing is asked again
    assert 'data-state="sent"' in html and "Moodle has not confirmed yet" in html
    assert CHECKING not in html and "poll-publication.js" not in html
