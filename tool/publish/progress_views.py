"""Teacher pages for one sequence: publish it (AGS), follow the student's progress, keep it current.

Routes (all instructor-only, scoped to the launch's course):
- GET  /teacher/sequences/<public_id>/progress      the progress view (and the publish form)
- POST /teacher/sequences/<public_id>/publish       publish (or publish again = update) from the worker
- POST /teacher/sequences/<public_id>/update        students see the current version (one click)
- POST /teacher/sequences/<public_id>/confirm       "I can see the steps in my course"
- POST /teacher/sequences/<public_id>/withdraw      students see nothing any more (restore undoes it)
- GET  /teacher/sequences/<public_id>/publication.json   publish status (and a pending check), for polling
- POST /teacher/sequences/<public_id>/steps/<step>/succeeded | another-go | retry-score
- GET  /teacher/steps/<step>                         a teacher launched a step link: its sequence's progress
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from tool import db
from tool.db import utcnow
from tool.generation.model import Sequence as SequenceContent
from tool.lti.launch import Launch
from tool.lti.session import launch_url
from tool.lti.tool_configuration import SCOPE_LINEITEM
from tool.privacy import audit
from tool.publish import lifecycle, neutral, progress, scores, staging
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
    return launch.platform_family == "canvas" and bool(launch.ags_lineitems_url) and SCOPE_LINEITEM in launch.ags_scopes


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


def _back(public_id: str, anchor: str | None = None, **args: str) -> Response:
    return redirect(launch_url("publish.progress_view", public_id=public_id, _anchor=anchor, **args), code=303)


def _check_if_sent(publication: Publication) -> bool:
    """A sent, unconfirmed publication: the worker asks the course whether it lists the steps' grade items.

    Never in the page request (a slow LMS would hold the page for its whole timeout); True
    while a check is pending, for the page's "checking" line and its poller.
    """
    from tool.publish.tasks import request_sent_check

    if lifecycle.state_of(publication) is not lifecycle.PublicationState.SENT or not publication.lineitems_url:
        return False
    return request_sent_check(publication.id)


def render_progress(
    public_id: str, *, plan_error: str | None = None, form: dict[str, Any] | None = None, notice: str | None = None
) -> str:
    sequence, content = _sequence_and_content(public_id)
    session = db.session()
    publication = progress.get_publication(session, sequence.id)
    checking = publication is not None and _check_if_sent(publication)
    problem = None
    try:
        progress.check_publishable(sequence, content)
    except progress.NotPublishable as exc:
        problem = str(exc)
    rows: list[progress.StepRow] = []
    current_row = newest_row = None
    launch = current_instructor()
    if publication is not None:
        shown = progress.publication_content(session, publication)
        now = utcnow()
        rows = progress.step_rows(publication, shown, now)
        current = progress.current_index(publication, shown, now)
        newest = progress.newest_response(publication, shown)
        current_row = next((r for r in rows if r.step.index == current), None)
        newest_row = next((r for r in rows if newest is not None and r.step.id == newest.id), None)
        suggested_set = publication.set_name
    else:
        scope = (launch.registration_id, launch.deployment_pk, launch.context_id or "")
        suggested_set = neutral.next_set_name(progress.course_set_names(session, scope, sequence.id))
    return render_template(
        "publish/progress.html",
        sequence=sequence,
        content=content,
        publication=publication,
        state=lifecycle.state_of(publication) if publication else None,
        sync=lifecycle.sync_of(publication) if publication else None,
        checking=checking,
        outdated=publication is not None and progress.is_outdated(sequence, publication),
        rows=rows,
        current_row=current_row,
        newest_row=newest_row,
        problem=problem,
        plan_error=plan_error,
        notice=notice or _notice(),
        form=form or {},
        suggested_set=suggested_set,
        ags_available=can_publish_with_ags(launch),
        platform_family=launch.platform_family,
        names=queries.teacher_names(session, sequence),
    )


NOTICES = {
    "updated": "Updated: the student now sees the latest version. Their responses and successes are kept.",
    "confirmed": "Thank you: Stepping Stones now counts the steps as in your course.",
    "withdrawn": "Withdrawn: the student now sees nothing to do. The activities are still in your course.",
    "restored": "The student sees their steps again.",
    "score-later": "The course platform was busy: Stepping Stones will send the score again by itself "
    "in a few moments. The success is saved.",
    "published": "Publishing: Stepping Stones is creating or updating the assignments in your course.",
}


def _notice() -> str | None:
    return NOTICES.get(request.args.get("done", ""))


@bp.get("/sequences/<public_id>/progress")
@require_instructor
def progress_view(public_id: str) -> str:
    return render_progress(public_id)


@bp.get("/steps/<step_id>")
@require_instructor
def step_link(step_id: str) -> Response:
    """A teacher opened one of the course's step links: show that sequence's progress, at that step."""
    launch = current_instructor()
    session = db.session()
    step = progress.find_step(session, step_id)
    sequence = session.get(Sequence, step.publication.sequence_id) if step is not None else None
    if step is None or sequence is None or step.publication.context_id != (launch.context_id or ""):
        return redirect(launch_url("teacher.index"), code=303)
    queries.get_sequence(session, launch, sequence.public_id)  # 404 outside the teacher's course
    launched_step = launch.custom.get("ss_step")
    line_item = launch.ags_lineitem_url if launched_step in (None, "", step_id) else None
    with db.transaction() as tx:
        lifecycle.record_launch(tx.merge(step.publication), tx.merge(step), line_item)
    return _back(sequence.public_id, f"step-{step.public_id}")


def _enqueue(publication_id: int) -> None:
    from tool.publish.tasks import publish_to_lms

    with db.transaction() as session:
        publication = session.get(Publication, publication_id)
        if publication is not None:
            lifecycle.queue_sync(publication)
    try:
        publish_to_lms.delay(publication_id)
    except Exception:  # the broker is down: say so on the page and offer the retry button
        log.exception("could not enqueue publication %s", publication_id)
        with db.transaction() as session:
            failed = session.get(Publication, publication_id)
            if failed is not None:
                lifecycle.sync_failed(failed, WORKER_DOWN_REASON)


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
            merged = session.merge(sequence)
            set_name = progress.choose_set_name(session, merged, launch.scope_key, form.get("set_name"))
            publication = progress.ensure_publication(
                session,
                merged,
                content,
                plan,
                method=METHOD_AGS,
                registration_id=launch.registration_id,
                deployment_pk=launch.deployment_pk,
                context_id=launch.context_id or "",
                platform_family=launch.platform_family,
                lineitems_url=launch.ags_lineitems_url,
                set_name=set_name,
            )
            publication_id = publication.id
            audit.record(
                session,
                "published",
                actor_id=queries.launch_user(session, launch).id,
                deployment_pk=launch.deployment_pk,
                sequence_id=merged.id,
                student_id=merged.target_user_id,
            )
    except (staging.ReleasePlanError, progress.NotPublishable, neutral.SetNameError) as exc:
        return render_progress(public_id, plan_error=str(exc), form=form), 400
    _enqueue(publication_id)
    return _back(public_id, "publication", done="published")


@bp.post("/sequences/<public_id>/update")
@require_instructor
def update(public_id: str) -> Response | tuple[str, int]:
    """One click: the student sees the current version; AGS items get their labels and dates refreshed."""
    sequence, _ = _sequence_and_content(public_id)
    try:
        with db.transaction() as session:
            publication = progress.get_publication(session, sequence.id)
            if publication is None:
                abort(404)
            progress.update_to_current(session, session.merge(sequence), publication)
            publication_id, method = publication.id, publication.method
    except progress.NotPublishable as exc:
        return render_progress(public_id, plan_error=str(exc)), 400
    if method == METHOD_AGS:
        _enqueue(publication_id)  # new tasks become assignments; nothing is created twice
    return _back(public_id, "publication", done="updated")


def _change_publication(public_id: str, change: Callable[[Publication], object], done: str) -> Response:
    """One teacher action on the publication's lifecycle; the lifecycle module writes the state."""
    sequence, _ = _sequence_and_content(public_id)
    with db.transaction() as session:
        publication = progress.get_publication(session, sequence.id)
        if publication is None:
            abort(404)
        change(publication)
    return _back(public_id, "publication", done=done)


@bp.post("/sequences/<public_id>/confirm")
@require_instructor
def confirm(public_id: str) -> Response:
    return _change_publication(
        public_id, lambda p: lifecycle.confirm(p, lifecycle.Confirmation.TEACHER), "confirmed"
    )


@bp.post("/sequences/<public_id>/withdraw")
@require_instructor
def withdraw(public_id: str) -> Response:
    return _change_publication(public_id, lifecycle.withdraw, "withdrawn")


@bp.post("/sequences/<public_id>/restore")
@require_instructor
def restore(public_id: str) -> Response:
    """Undo a withdrawal: the student sees their steps again (the course kept the activities)."""
    return _change_publication(public_id, lifecycle.reopen, "restored")


@bp.get("/sequences/<public_id>/publication.json")
@require_instructor
def publication_status(public_id: str) -> Response:
    sequence, _ = _sequence_and_content(public_id)
    publication = progress.get_publication(db.session(), sequence.id)
    if publication is None:
        return jsonify({"state": "unpublished", "sync": None, "checking": False})
    from tool.publish.tasks import sent_check_pending

    sent = lifecycle.state_of(publication) is lifecycle.PublicationState.SENT
    return jsonify(
        {
            "state": publication.state,
            "sync": publication.sync_status,
            "checking": sent and sent_check_pending(publication.id),
            "attempts": publication.attempts,
            "error": publication.last_error,
            "steps": [{"number": s.number, "in_lms": s.line_item_url is not None} for s in publication.steps],
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
    # leaves it "failed" with a retry button (and, if the LMS was busy, a background retry).
    return _after_score(public_id, step_id, progress_id)


def _after_score(public_id: str, step_id: str, progress_id: int) -> Response:
    outcome = scores.send_score(progress_id)
    if outcome.transient:
        from tool.publish.tasks import retry_score_later

        if retry_score_later(progress_id):
            return _back(public_id, f"step-{step_id}", done="score-later")
    return _back(public_id, f"step-{step_id}")


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
    return _back(public_id, f"step-{step_id}")


@bp.post("/sequences/<public_id>/steps/<step_id>/retry-score")
@require_instructor
def retry_score(public_id: str, step_id: str) -> Response:
    sequence, _ = _sequence_and_content(public_id)
    step = _step_of(progress.get_publication(db.session(), sequence.id), step_id)
    if step.progress is not None and step.progress.succeeded_at is not None:
        return _after_score(public_id, step_id, step.progress.id)
    return _back(public_id, f"step-{step_id}")
