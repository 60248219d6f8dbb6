"""The student's view: their current step only, a place to respond, and nothing else.

A student sees a step's content only when the launch's ``sub`` is the target
student of the step's sequence, in the same registration, deployment and
course. Anyone else gets a calm neutral page: published items are visible
course-wide in most LMSs, so classmates will open them.

Never rendered here: teacher scripts, "if the student struggles", the "why",
the diagnostic, the avoidance, the skill name. Only ``student_instructions``
(publishing refuses sequences without them) and the neutral step title.

Students always see the version the teacher last published (``Publication.version_number``),
never a draft, and nothing of a withdrawn publication. Any launch of a published step
confirms that the LMS holds the items and records the grade item of the copy opened.
A student who opens someone else's step is pointed to their own current step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Flask, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from tool import db
from tool.db import utcnow
from tool.generation.model import Sequence as SequenceContent
from tool.lti.launch import Launch
from tool.lti.session import current_launch, launch_url
from tool.publish import lifecycle, neutral, progress, staging
from tool.publish.models import Publication, PublishedStep
from tool.teacher.models import Course, Sequence, User
from tool.teacher.privacy import PLACEHOLDERS

bp = Blueprint("student", __name__, url_prefix="/student")

_TEACHER = PLACEHOLDERS["teacher"]

EMPTY_RESPONSE = "The box is empty. Write a few words, or press “I did it in class” if you did it with your teacher."
TOO_LONG_RESPONSE = (
    f"That is longer than this box takes ({progress.MAX_RESPONSE_CHARS:,} characters). "
    "Your words are still below: shorten them a little and send again."
)


@dataclass(frozen=True)
class StudentStep:
    """One line of the student's list: number, title and, for the current step only, the text."""

    step: PublishedStep
    title: str
    status: str  # done | current | locked
    locked_reason: str
    instructions: str | None
    needs_another_go: bool
    last_response: str | None


def for_student(text: str | None) -> str | None:
    """Placeholders from the privacy step read naturally for the student ("[Teacher]" -> "your teacher")."""
    if text is None:
        return None
    text = re.sub(rf"(^|[.!?]\s+){re.escape(_TEACHER)}", lambda m: m.group(1) + "Your teacher", text)
    return text.replace(_TEACHER, "your teacher")


def _owns(launch: Launch, publication: Publication, sequence: Sequence) -> bool:
    """True when this launch is the target student of this publication, in its course."""
    target: User | None = sequence.target_user
    if target is None or target.sub != launch.user_sub or target.registration_id != launch.registration_id:
        return False
    return (publication.registration_id, publication.deployment_pk, publication.context_id) == launch.scope_key


def _visible(publication: Publication) -> bool:
    return lifecycle.state_of(publication) is not lifecycle.PublicationState.WITHDRAWN


def _owned_step(launch: Launch, step_id: str) -> PublishedStep | None:
    """Step ``step_id`` when this launch is its student and its sequence still exists, else None."""
    step = progress.find_step(db.session(), step_id)
    if step is None or not _visible(step.publication):
        return None
    sequence = db.session().get(Sequence, step.publication.sequence_id)
    if sequence is None or sequence.deleted_at is not None or not _owns(launch, step.publication, sequence):
        return None
    return step


def _requested_step_id(launch: Launch) -> str | None:
    return request.values.get("step") or launch.custom.get("ss_step") or None


def _own_publications(launch: Launch) -> list[tuple[Publication, Sequence]]:
    registration_id, deployment_pk, context_id = launch.scope_key
    rows = db.session().execute(
        select(Publication, Sequence)
        .join(Sequence, Publication.sequence_id == Sequence.id)
        .join(Course, Sequence.course_id == Course.id)
        .join(User, Sequence.target_user_id == User.id)
        .where(
            Publication.registration_id == registration_id,
            Publication.deployment_pk == deployment_pk,
            Publication.context_id == context_id,
            Sequence.deleted_at.is_(None),
            User.registration_id == launch.registration_id,
            User.sub == launch.user_sub,
        )
        .order_by(Publication.id.desc())
    )
    return [(pub, seq) for pub, seq in rows.unique() if _visible(pub)]


def _student_steps(publication: Publication, content: SequenceContent) -> list[StudentStep]:
    now = utcnow()
    plan = publication.plan
    steps = progress.live_steps(publication, content)
    flags = progress.succeeded_flags(steps)
    current = staging.current_step(plan, flags, now)
    rows = []
    for step in steps:
        record = step.progress
        if flags[step.index]:
            status = "done"
        elif step.index == current:
            status = "current"
        else:
            status = "locked"
        state = staging.step_state(status == "current", progress.facts(record))
        rows.append(
            StudentStep(
                step=step,
                title=neutral.step_title(step.number, publication.set_name),
                status=status,
                locked_reason=staging.locked_reason(plan, step.index, flags, now) if status == "locked" else "",
                instructions=for_student(content.tasks[step.index].student_instructions)
                if status == "current"
                else None,
                needs_another_go=state is staging.StepState.NEEDS_ANOTHER_GO,
                last_response=record.response_text if record and status == "current" else None,
            )
        )
    return rows


def _render_publication(
    publication: Publication, asked_step: PublishedStep | None, *, problem: str | None = None, draft: str = ""
) -> str:
    content = progress.publication_content(db.session(), publication)
    rows = _student_steps(publication, content)
    asked = next((row for row in rows if asked_step is not None and row.step.id == asked_step.id), None)
    current = next((row for row in rows if row.status == "current"), None)
    return render_template(
        "student/steps.html",
        rows=rows,
        asked=asked,
        current=current,
        all_done=all(row.status == "done" for row in rows),
        sent=request.args.get("sent") == "1",
        problem=problem,
        draft=draft,
        max_chars=progress.MAX_RESPONSE_CHARS,
    )


def _record_launch(launch: Launch, step_id: str) -> None:
    """A launch of a published step (by anyone in its course) proves the LMS holds the items.

    The launch's grade item belongs to this step only on the page the launch landed
    on (``launched``) and, when the LMS sent our custom parameters, only for that step:
    later pages of the same session show other steps.
    """
    if request.args.get("launched") != "1":
        return
    step = progress.find_step(db.session(), step_id)
    if step is None or step.publication.context_id != (launch.context_id or ""):
        return
    if (step.publication.registration_id, step.publication.deployment_pk) != launch.scope_key[:2]:
        return
    launched_step = launch.custom.get("ss_step")
    line_item = launch.ags_lineitem_url if launched_step in (None, "", step_id) else None
    with db.transaction():
        lifecycle.record_launch(step.publication, step, line_item)


def _own_current_step(launch: Launch) -> tuple[str, str] | None:
    """(title, step id) of this student's current step in their newest visible publication, if any."""
    for publication, _sequence in _own_publications(launch):
        content = progress.publication_content(db.session(), publication)
        current = next((row for row in _student_steps(publication, content) if row.status == "current"), None)
        if current is not None:
            return current.title, current.step.public_id
    return None


def _not_for_you() -> str:
    own = _own_current_step(current_launch())
    return render_template(
        "student/not_for_you.html", own_title=own[0] if own else None, own_step=own[1] if own else None
    )


@bp.get("/")
def home() -> str:
    launch = current_launch()
    step_id = _requested_step_id(launch)
    if step_id:
        _record_launch(launch, step_id)
        step = _owned_step(launch, step_id)
        if step is None:
            return _not_for_you()
        return _render_publication(step.publication, step)
    own = _own_publications(launch)
    if not own:
        return render_template("student/nothing_yet.html")
    return _render_publication(own[0][0], None)


@bp.post("/respond")
def respond() -> Response | str:
    launch = current_launch()
    step = _owned_step(launch, request.form.get("step", ""))
    if step is None:
        return _not_for_you()
    publication = step.publication
    content = progress.publication_content(db.session(), publication)
    flags = progress.succeeded_flags(progress.live_steps(publication, content))
    if staging.current_step(publication.plan, flags, utcnow()) != step.index:
        # A stale tab or a hand-made request for a step that is not the current one.
        return _render_publication(publication, step)
    kind = "did_it" if request.form.get("kind") == "did_it" else "text"
    text = request.form.get("response", "").replace("\r\n", "\n")
    if kind == "text" and not text.strip():
        return _render_publication(publication, step, problem=EMPTY_RESPONSE)
    if len(text.strip()) > progress.MAX_RESPONSE_CHARS:
        return _render_publication(publication, step, problem=TOO_LONG_RESPONSE, draft=text)
    with db.transaction() as session:
        progress.record_response(session, session.merge(step), text, kind, launch.user_sub)
    return redirect(launch_url("student.home", step=step.public_id, sent="1"), code=303)


def init_app(app: Flask) -> None:
    app.add_template_global(launch_url, "launch_url")
    app.register_blueprint(bp)
