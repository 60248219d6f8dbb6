"""Canvas flavour: the worker publishes each task as a launchable assignment, once, resumably."""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from publish.e2e import FailNth, LmsWorld, line_item_posts, token_posts, wait_for
from tool import db
from tool.publish import progress
from tool.publish.tasks import execute_publish

pytestmark = pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)


def _publication_status(world: LmsWorld) -> str | None:
    with world.app.app_context():
        seq_id = _sequence_id(world)
        publication = progress.get_publication(db.session(), seq_id)
        return publication.sync_status if publication else None


def _sequence_id(world: LmsWorld) -> int:
    from sqlalchemy import select

    from tool.teacher.models import Sequence

    return db.session().scalars(select(Sequence.id).where(Sequence.public_id == world.sequence_public_id)).one()


def _publish(world: LmsWorld, token: str, **plan: str) -> None:
    client = world.app.test_client()
    response = client.post(
        f"/teacher/sequences/{world.sequence_public_id}/publish",
        data={
            "lt": token,
            "mode": "scheduled",
            "start": "2026-03-02",
            "spacing_days": "3",
            "timezone": "Europe/London",
            **plan,
        },
    )
    assert response.status_code == 303, response.get_data(True)[:2000]


def test_worker_creates_launchable_assignments_with_unlock_dates_and_no_duplicates(
    lms_world: LmsWorld, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    # Counts the token requests the devlms receives (n=0: never fails).
    tokens = world.lms.wrap(lambda app: FailNth(app, token_posts, n=0, status=500))
    world.make_sequence(tasks=5)
    token = world.teacher_token()
    _publish(world, token)
    wait_for(lambda: _publication_status(world) == "done", what="the worker to publish")
    assert tokens.seen == 1  # one access token for the five line items (and the listing before them)
    assignments = sorted(world.assignments(), key=lambda a: a.title)
    assert [a.title for a in assignments] == [f"Practice A · step {n}" for n in range(1, 6)]
    assert all(a.kind == "assignment" and a.submission_type == "external_tool" and a.published for a in assignments)
    # Unlock at local midnight in London (GMT in early March), due the day before the next step.
    assert [a.unlock_at for a in assignments] == [f"2026-03-{d:02d}T00:00:00Z" for d in (2, 5, 8, 11, 14)]
    assert assignments[0].due_at == "2026-03-04T23:59:00Z"
    with world.app.app_context():
        publication = progress.get_publication(db.session(), _sequence_id(world))
        assert publication is not None
        step_ids = [s.public_id for s in publication.steps]
        assert all(s.line_item_url for s in publication.steps)
    for assignment, step_id in zip(assignments, step_ids, strict=True):
        url = urlsplit(assignment.url)
        assert url.path == "/lti/launch" and parse_qs(url.query) == {"step": [step_id]}
        assert assignment.resource_id and world.sequence_public_id in assignment.resource_id
    # Publishing again (the teacher clicks twice; the task runs twice) creates nothing new.
    _publish(world, token)
    wait_for(lambda: _publication_status(world) == "done", what="the second publish")
    with world.app.app_context():
        execute_publish(progress.get_publication(db.session(), _sequence_id(world)).id)  # type: ignore[union-attr]
    assert len(world.assignments()) == 5
    with world.platform.lock:
        assert len(world.platform.line_items) == 5
    assert tokens.seen == 1  # the cached token served the second publish too


def test_a_busy_lms_at_the_fourth_item_is_retried_to_exactly_five(
    lms_world: LmsWorld, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    # The devlms answers the 4th line-item POST with 503: the worker records 3, retries, resumes.
    injector = world.lms.wrap(lambda app: FailNth(app, line_item_posts, n=4, status=503))
    world.make_sequence(tasks=5)
    _publish(world, world.teacher_token(), mode="mastery")
    wait_for(lambda: _publication_status(world) == "done", what="the retried publish")
    assert injector.seen == 6  # 5 created + the one that failed
    assert sorted(a.title for a in world.assignments()) == [f"Practice A · step {n}" for n in range(1, 6)]
    assert all(a.unlock_at is None for a in world.assignments())  # mastery-gated: no dates
    with world.app.app_context():
        publication = progress.get_publication(db.session(), _sequence_id(world))
        assert publication is not None and publication.attempts == 2 and publication.last_error is None


def test_a_refused_fourth_item_stops_at_three_and_publishing_again_resumes_to_five(lms_world: LmsWorld) -> None:
    world = lms_world
    world.lms.wrap(lambda app: FailNth(app, line_item_posts, n=4, status=400))
    world.make_sequence(tasks=5)
    token = world.teacher_token()
    with world.app.app_context():
        from tool.publish.staging import ReleaseMode, ReleasePlan
        from tool.teacher.models import Sequence

        s = db.session()
        seq = s.get(Sequence, _sequence_id(world))
        assert seq is not None
        pub = progress.ensure_publication(
            s,
            seq,
            progress.SequenceContent.model_validate(seq_content(world)),
            ReleasePlan(ReleaseMode.MASTERY),
            method="ags",
            registration_id=seq.course.registration_id,
            deployment_pk=seq.course.deployment_pk,
            context_id="course-101",
            platform_family="canvas",
            lineitems_url=world.platform.lineitems_url(world.platform.tools[world.client_id]),
        )
        s.commit()
        assert execute_publish(pub.id) == "failed"
        s.expire_all()
        pub = progress.get_publication(s, seq.id)
        assert pub is not None
        assert [bool(st.line_item_url) for st in pub.steps] == [True, True, True, False, False]
        assert "HTTP 400" in (pub.last_error or "")
        # The LMS kept item 2 but we "lost" its URL (as if killed before the commit): it is adopted, not re-created.
        pub.steps[1].line_item_url = None
        s.commit()
        assert execute_publish(pub.id) == "done"
    assert len(world.assignments()) == 5
    with world.platform.lock:
        assert len(world.platform.line_items) == 5
    page = world.app.test_client().get(
        f"/teacher/sequences/{world.sequence_public_id}/progress", query_string={"lt": token}
    )
    html = page.get_data(True)
    assert 'data-state="confirmed"' in html and "the course lists the steps’ grade items" in html
    with world.app.app_context():
        publication = progress.get_publication(db.session(), _sequence_id(world))
        assert publication is not None and publication.attempts == 2 and publication.state == "confirmed"


def seq_content(world: LmsWorld) -> dict:  # type: ignore[type-arg]
    from sqlalchemy import select

    from tool.teacher.models import SequenceVersion

    return (
        db.session()
        .scalars(select(SequenceVersion.content).where(SequenceVersion.sequence_id == _sequence_id(world)))
        .one()
    )
