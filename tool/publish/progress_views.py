"""Teacher pages for one sequence: publish it (AGS) and follow the student's progress.

Routes (all instructor-only, scoped to the launch's course):
- GET  /teacher/sequences/<public_id>/progress      the progress view (and the publish form)
- POST /teacher/sequences/<public_id>/publish       publish as LMS assignments from the worker
- GET  /teacher/sequences/<public_id>/publication.json   publish status, for polling
- POST /teacher/sequences/<public_id>/steps/<step>/succeeded | another-go | retry-score
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from tool import db
from tool.db import utcnow
from tool.generation.model import Sequence as SequenceContent
from tool.lti.launch import Launch
from tool.lti.session import launch_url
from tool.lti.tool_configuration import SCOPE_LINEITEM
from tool.publish import progress, scores, staging
from tool.publish.blueprint import bp
from tool.publish.models import METHOD_AGS, Publication, PublishedStep
from tool.teacher import queries
from tool.teacher.access import launch as current_instructor
from tool.teacher.access import require_instructor
from tool.teacher.models import Sequence

WORKER_DOWN_REASON = (
    "The background worker that creates the assignments could not be reached, so nothing was sent "
    "to your course yet. Please try again in a minute; if it keeps happening, tell your administrator."
)
log = logging.getLogger(__name__)


def can_publish_with_ags(launch: Launch) -> bool:
    """AGS publishing makes launchable assignments only in Canvas; Moodle makes bare grade columns."""
    return (
        launch.platform_family == "canvas"
        and bool(launch.ags_lineitems_url)
        and SCOPE_LINEITEM in launch.ags_scopes
    )


def _sequence_and_content(public_id: str) -> tuple[Sequence, SequenceContent | None]:
    session = db.session()
    sequence = queries.get_sequence(session, current_instructor(), public_id)
    return sequence, progress.current_content(session, sequence)


def _step_of(publication: Publication | None, step_public_id: str) -> PublishedStep:
    if publication is None:
        abort(404)
    step = next((s for s in publication.steps if s.public_id == step_public_id), None)
    if step is None:
        abort(404)
    return step


def render_progress(public_id: str, *, plan_error: str | None = None, form: dict[str, Any] | None = None) -> str:
    sequence, content = _sequence_and_content(public_id)
    session = db.session()
    publication = progress.get_publication(session, sequence.id)
    problem = None
    try:
        progress.check_publishable(sequence, content)
    except progress.NotPublishable as exc:
        problem = str(exc)
    rows: list[progress.StepRow] = []
    if publication is not None:
        rows = progress.step_rows(publication, progress.publication_content(session, publication), utcnow())
    return render_template(
        "publish/progress.html",
        sequence=sequence,
        content=content,
        publication=publication,
        rows=rows,
        problem=problem,
        plan_error=plan_error,
        form=form or {},
        ags_available=can_publish_with_ags(current_instructor()),
        platform_family=current_instructor().platform_family,
        names=queries.teacher_names(session, sequence),
    )


@bp.get("/sequences/<public_id>/progress")
@require_instructor
def progress_view(public_id: str) -> str:
    return render_progress(public_id)


@bp.post("/sequences/<public_id>/publish")
@require_instructor
def publish(public_id: str) -> Response | tuple[str, int]:
    launch = current_instructor()
    sequence, content = _sequence_and_content(public_id)
    if not can_publish_with_ags(launch):
        abort(400, "This platform does not take assignments from Stepping Stones: add the steps from the course.")
    form = request.form.to_dict()
    try:
        plan = staging.parse_plan(
            form.get("mode", ""), form.get("start"), form.get("spacing_days"), form.get("timezone")
        )
        with db.transaction() as session:
            publication = progress.ensure_publication(
                session,
                session.merge(sequence),
                content,
                plan,
                method=METHOD_AGS,
                registration_id=launch.registration_id,
                deployment_pk=launch.deployment_pk,
                context_id=launch.context_id or "",
                platform_family=launch.platform_family,
                lineitems_url=launch.ags_lineitems_url,
            )
            publication_id = publication.id
    except (staging.ReleasePlanError, progress.NotPublishable) as exc:
        return render_progress(public_id, plan_error=str(exc), form=form), 400
    from tool.publish.tasks import publish_to_lms

    try:
        publish_to_lms.delay(publication_id)
    except Exception:  # the broker is down: say so on the page and offer the retry button
        log.exception("could not enqueue publication %s", publication_id)
        with db.transaction() as session:
            failed = session.get(Publication, publication_id)
            if failed is not None:
                failed.status = "failed"
                failed.last_error = WORKER_DOWN_REASON
    return redirect(launch_url("publish.progress_view", public_id=public_id), code=303)


@bp.get("/sequences/<public_id>/publication.json")
@require_instructor
def publication_status(public_id: str) -> Response:
    sequence, _ = _sequence_and_content(public_id)
    publication = progress.get_publication(db.session(), sequence.id)
    if publication is None:
        return jsonify({"status": "unpublished"})
    return jsonify(
        {
            "status": publication.status,
            "attempts": publication.attempts,
            "error": publication.last_error,
            "steps": [
                {"number": s.number, "in_lms": s.line_item_url is not None} for s in publication.steps
            ],
        }
    )


@bp.post("/sequences/<public_id>/steps/<step_id>/succeeded")
@require_instructor
def mark_succeeded(public_id: str, step_id: str) -> Response:
    launch = current_instructor()
    sequence, _ = _sequence_and_content(public_id)
    with db.transaction() as session:
        step = _step_of(progress.get_publication(session, sequence.id), step_id)
        record = progress.mark_succeeded(session, step, request.form.get("note"), launch.user_sub)
        progress_id = record.id
    # The success is committed above; the score is sent after, and a failure only
    # leaves it "failed" with a retry button.
    scores.send_score(progress_id)
    return redirect(launch_url("publish.progress_view", public_id=public_id, _anchor=f"step-{step_id}"), code=303)


@bp.post("/sequences/<public_id>/steps/<step_id>/another-go")
@require_instructor
def another_go(public_id: str, step_id: str) -> Response:
    launch = current_instructor()
    sequence, _ = _sequence_and_content(public_id)
    with db.transaction() as session:
        step = _step_of(progress.get_publication(session, sequence.id), step_id)
        try:
            progress.ask_another_go(session, step, request.form.get("note"), launch.user_sub)
        except ValueError:
            abort(409, "This step has already succeeded.")
    return redirect(launch_url("publish.progress_view", public_id=public_id, _anchor=f"step-{step_id}"), code=303)


@bp.post("/sequences/<public_id>/steps/<step_id>/retry-score")
@require_instructor
def retry_score(public_id: str, step_id: str) -> Response:
    sequence, _ = _sequence_and_content(public_id)
    step = _step_of(progress.get_publication(db.session(), sequence.id), step_id)
    if step.progress is not None and step.progress.succeeded_at is not None:
        scores.send_score(step.progress.id)
    return redirect(launch_url("publish.progress_view", public_id=public_id, _anchor=f"step-{step_id}"), code=303)
