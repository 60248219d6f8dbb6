"""The LMS failing in the middle of an AGS publish (Canvas flavour of the development LMS): a 401 (the
token expired), a 500, and a timeout whose line item the LMS did create. Publishing is attempted again
as the worker's retry would; it resumes and the course ends with exactly one line item per task."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from publish.e2e import FailNth, LmsWorld, line_item_posts, lms_world  # noqa: F401
from sqlalchemy import select

from tool import db
from tool.lti.ags import AgsError
from tool.publish import progress
from tool.publish.staging import ReleaseMode, ReleasePlan
from tool.publish.tasks import execute_publish
from tool.teacher.models import Sequence, SequenceVersion

TASKS = 5


class SlowNth:
    """The n-th matching request is handled by the LMS (the item IS created) but answered late."""

    def __init__(self, app: Callable[..., Iterable[bytes]], match: Callable[[dict[str, Any]], bool], n: int,
                 delay: float) -> None:
        self.app, self.match, self.n, self.delay = app, match, n, delay
        self.seen = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = self.app(environ, start_response)
        if self.match(environ):
            self.seen += 1
            if self.seen == self.n:
                time.sleep(self.delay)
        return body


def _publication(world: LmsWorld) -> int:
    with world.app.app_context():
        s = db.session()
        seq = s.scalars(select(Sequence).where(Sequence.public_id == world.sequence_public_id)).one()
        content = s.scalars(select(SequenceVersion.content).where(SequenceVersion.sequence_id == seq.id)).one()
        pub = progress.ensure_publication(
            s,
            seq,
            progress.SequenceContent.model_validate(content),
            ReleasePlan(ReleaseMode.MASTERY),
            method="ags",
            registration_id=seq.course.registration_id,
            deployment_pk=seq.course.deployment_pk,
            context_id="course-101",
            platform_family="canvas",
            lineitems_url=world.platform.lineitems_url(world.platform.tools[world.client_id]),
        )
        s.commit()
        return pub.id


def _attempt(world: LmsWorld, publication_id: int) -> str:
    """One publish attempt; a transient error is what makes the Celery task retry."""
    with world.app.app_context():
        try:
            return execute_publish(publication_id)
        except AgsError as exc:
            assert exc.transient, exc
            return "retry"


@pytest.mark.faults
@pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)
@pytest.mark.parametrize("fault", ["401 token expired", "500", "timeout after the item was created"])
def test_a_failing_lms_mid_publish_resumes_to_exactly_one_item_per_task(
    fault: str, lms_world: LmsWorld, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    world = lms_world
    if fault.startswith("timeout"):
        monkeypatch.setattr("tool.lti.services.TIMEOUT_SECONDS", 1)
        world.lms.wrap(lambda app: SlowNth(app, line_item_posts, n=4, delay=2.5))
    else:
        status = int(fault[:3])
        world.lms.wrap(lambda app: FailNth(app, line_item_posts, n=4, status=status))
    world.make_sequence(tasks=TASKS)
    publication_id = _publication(world)

    outcomes = [_attempt(world, publication_id)]
    while outcomes[-1] != "done" and len(outcomes) < 4:
        outcomes.append(_attempt(world, publication_id))

    # A 401 is answered by fetching a new token within the attempt; a 500 or a timeout ends the
    # attempt as transient and the next one resumes.
    assert outcomes == (["done"] if fault.startswith("401") else ["retry", "done"]), outcomes
    with world.platform.lock:
        assert len(world.platform.line_items) == TASKS
    # One item per step, none twice (titles end with the step number).
    assert sorted(int(a.title.rsplit(" ", 1)[1]) for a in world.assignments()) == list(range(1, TASKS + 1))
