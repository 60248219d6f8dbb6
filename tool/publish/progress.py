"""A published sequence's progress: creating its steps, reading their state, recording what happens.

Views call these functions inside ``tool.db.transaction()``; nothing here
commits. Successes and responses are written before any LMS call is made, so a
failing LMS never loses a teacher's verdict or a student's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tool.db import utcnow
from tool.generation.model import Sequence as SequenceContent
from tool.generation.model import Task
from tool.publish import lifecycle, neutral, staging
from tool.publish.models import Publication, PublishedStep, StepEvent, StepProgress
from tool.teacher import queries
from tool.teacher.models import Sequence, SequenceVersion

MAX_NOTE_CHARS = 2000
MAX_RESPONSE_CHARS = 10000


class NotPublishable(Exception):
    """Why a sequence cannot be published yet, in words for the teacher."""


@dataclass(frozen=True)
class StepRow:
    """One step as the teacher's progress view shows it."""

    step: PublishedStep
    task: Task
    state: staging.StepState
    opens_on: date | None
    due_on: date | None
    progress: StepProgress | None


def publication_content(db: Session, publication: Publication) -> SequenceContent:
    """The sequence content that was published (the version recorded on the publication)."""
    version = db.scalars(
        select(SequenceVersion).where(
            SequenceVersion.sequence_id == publication.sequence_id,
            SequenceVersion.number == publication.version_number,
        )
    ).one()
    return SequenceContent.model_validate(version.content)


def current_content(db: Session, sequence: Sequence) -> SequenceContent | None:
    """The content of the sequence's current version; None before the first one is written."""
    version = queries.current_version(db, sequence)
    return SequenceContent.model_validate(version.content) if version else None


def check_publishable(sequence: Sequence, content: SequenceContent | None) -> None:
    """Raise ``NotPublishable`` unless the sequence can be put in front of its student.

    We refuse, rather than improvise, when a task lacks student instructions: the
    only fallback would be the teacher-facing "what the student does" text,
    which may name the difficulty in words the student should not read.
    """
    if content is None or sequence.current_version is None:
        raise NotPublishable("This sequence has no finished version yet.")
    if sequence.target_user is None:
        raise NotPublishable(
            "This sequence's student was typed as a label, so Stepping Stones cannot recognise them "
            "when they open a step. Duplicate it for a student picked from the class list, then publish that."
        )
    missing = [str(i + 1) for i, task in enumerate(content.tasks) if not (task.student_instructions or "").strip()]
    if missing:
        raise NotPublishable(
            f"Task {', '.join(missing)} has no instructions for the student. "
            "Add them on the review page (edit the task), then publish."
        )


def get_publication(db: Session, sequence_id: int) -> Publication | None:
    return db.scalars(select(Publication).where(Publication.sequence_id == sequence_id)).first()


def course_set_names(db: Session, publication_scope: tuple[int, int, str], exclude_sequence: int) -> list[str]:
    """Set names other sequences' publications use in the same course."""
    registration_id, deployment_pk, context_id = publication_scope
    rows = db.scalars(
        select(Publication.set_name).where(
            Publication.registration_id == registration_id,
            Publication.deployment_pk == deployment_pk,
            Publication.context_id == context_id,
            Publication.sequence_id != exclude_sequence,
        )
    )
    return [name for name in rows if name]


def choose_set_name(db: Session, sequence: Sequence, scope: tuple[int, int, str], asked: str | None) -> str:
    """The teacher's set name (checked), else the current one, else the next free letter in the course."""
    taken = course_set_names(db, scope, sequence.id)
    existing = get_publication(db, sequence.id)
    if asked is None or not asked.strip():
        if existing is not None and existing.set_name:
            return existing.set_name
        return neutral.next_set_name(taken)
    private = [sequence.target_name or "", str(sequence.inputs.get("target_skill", ""))]
    if sequence.target_user is not None:
        private.append(sequence.target_user.display_name or "")
    return neutral.check_set_name(asked, private_words=private, taken=taken)


def ensure_publication(
    db: Session,
    sequence: Sequence,
    content: SequenceContent | None,
    plan: staging.ReleasePlan,
    *,
    method: str,
    registration_id: int,
    deployment_pk: int,
    context_id: str,
    platform_family: str | None,
    lineitems_url: str | None,
    set_name: str | None = None,
) -> Publication:
    """The sequence's publication with one step per task of the current version, created or updated.

    Publishing again is an update: existing step ids (so links already in the LMS
    and the student's progress stay valid) are kept, steps are added for new
    tasks, and students move to the current version. ``set_name`` (checked by
    ``choose_set_name``) names the set in the course.
    """
    check_publishable(sequence, content)
    assert content is not None and sequence.current_version is not None  # checked just above
    publication = get_publication(db, sequence.id)
    if publication is None:
        publication = lifecycle.new_publication(sequence.id)
        publication.version_number = sequence.current_version
        publication.version_published_at = utcnow()
        db.add(publication)
    else:
        lifecycle.move_to_version(publication, sequence.current_version)
    publication.method = method
    publication.release_mode = plan.mode.value
    publication.start_date = plan.start
    publication.spacing_days = plan.spacing_days
    publication.timezone = plan.timezone
    publication.registration_id = registration_id
    publication.deployment_pk = deployment_pk
    publication.context_id = context_id
    publication.platform_family = platform_family
    publication.lineitems_url = lineitems_url or publication.lineitems_url
    publication.set_name = set_name or publication.set_name
    db.flush()
    add_missing_steps(db, publication, sequence, content)
    return publication


def add_missing_steps(db: Session, publication: Publication, sequence: Sequence, content: SequenceContent) -> None:
    have = {step.index for step in publication.steps}
    for index in range(len(content.tasks)):
        if index not in have:
            db.add(
                PublishedStep(
                    publication_id=publication.id,
                    index=index,
                    resource_id=neutral.resource_id(sequence.public_id, index + 1),
                )
            )
    db.flush()
    db.refresh(publication)


def update_to_current(db: Session, sequence: Sequence, publication: Publication) -> list[PublishedStep]:
    """Students see the sequence's current version from now on; returns steps new in this version.

    Responses, successes and scores stay with their step (steps are matched by position).
    """
    content = current_content(db, sequence)
    check_publishable(sequence, content)
    assert content is not None and sequence.current_version is not None
    before = {step.index for step in publication.steps}
    lifecycle.move_to_version(publication, sequence.current_version)
    add_missing_steps(db, publication, sequence, content)
    return [step for step in live_steps(publication, content) if step.index not in before]


def is_outdated(sequence: Sequence, publication: Publication) -> bool:
    """Whether the teacher has a newer version than the one students see."""
    return sequence.current_version is not None and sequence.current_version != publication.version_number


def live_steps(publication: Publication, content: SequenceContent) -> list[PublishedStep]:
    """The steps that correspond to a task of the published version, in order."""
    return [step for step in publication.steps if step.index < len(content.tasks)]


def succeeded_flags(steps: list[PublishedStep]) -> list[bool]:
    return [bool(step.progress and step.progress.succeeded_at) for step in steps]


def facts(progress: StepProgress | None) -> staging.StepFacts:
    if progress is None:
        return staging.StepFacts()
    return staging.StepFacts(
        responded_at=progress.responded_at,
        succeeded_at=progress.succeeded_at,
        adjusted_at=progress.adjusted_at,
    )


def step_rows(publication: Publication, content: SequenceContent, now: datetime) -> list[StepRow]:
    plan = publication.plan
    steps = live_steps(publication, content)
    flags = succeeded_flags(steps)
    return [
        StepRow(
            step=step,
            task=content.tasks[step.index],
            state=staging.step_state(staging.is_open(plan, step.index, flags, now), facts(step.progress)),
            opens_on=staging.opens_on(plan, step.index),
            due_on=staging.due_on(plan, step.index),
            progress=step.progress,
        )
        for step in steps
    ]


def find_step(db: Session, public_id: str) -> PublishedStep | None:
    return db.scalars(select(PublishedStep).where(PublishedStep.public_id == public_id)).first()


def _progress(db: Session, step: PublishedStep) -> StepProgress:
    if step.progress is None:
        progress = lifecycle.new_progress(step.id)
        db.add(progress)
        db.flush()
        db.refresh(step)
        return progress
    return step.progress


def _clip(text: str | None, limit: int) -> str | None:
    cleaned = (text or "").strip()
    return cleaned[:limit] or None


def record_response(db: Session, step: PublishedStep, text: str | None, kind: str, actor_sub: str) -> StepProgress:
    """The student's answer (text, or "I did it"); each one is also kept in the history.

    "I did it" keeps any words typed in the box too: nothing the student wrote is dropped.
    """
    progress = _progress(db, step)
    typed = _clip(text, MAX_RESPONSE_CHARS)
    body = ("I did it." + (f"\n\n{typed}" if typed else "")) if kind == "did_it" else typed
    progress.response_text = body
    progress.response_kind = kind
    progress.responded_at = utcnow()
    db.add(StepEvent(step_id=step.id, kind="responded", text=body, actor_sub=actor_sub))
    db.flush()
    return progress


def mark_succeeded(db: Session, step: PublishedStep, note: str | None, actor_sub: str) -> StepProgress:
    """Record the teacher's confirmation; a second click keeps the first date.

    Leaves the score ``pending`` for ``tool.publish.scores`` to send.
    """
    progress = _progress(db, step)
    if progress.succeeded_at is None:
        progress.succeeded_at = utcnow()
        progress.success_note = _clip(note, MAX_NOTE_CHARS)
        db.add(StepEvent(step_id=step.id, kind="succeeded", text=progress.success_note, actor_sub=actor_sub))
    lifecycle.score_pending(progress)
    db.flush()
    return progress


def ask_another_go(db: Session, step: PublishedStep, note: str | None, actor_sub: str) -> StepProgress:
    """Keep the step open with an adjustment; refused once the step has succeeded."""
    progress = _progress(db, step)
    if progress.succeeded_at is not None:
        raise ValueError("This step has already succeeded.")
    progress.adjusted_at = utcnow()
    progress.adjustment_note = _clip(note, MAX_NOTE_CHARS)
    db.add(StepEvent(step_id=step.id, kind="adjusted", text=progress.adjustment_note, actor_sub=actor_sub))
    db.flush()
    return progress


def history(db: Session, step: PublishedStep) -> list[StepEvent]:
    return list(db.scalars(select(StepEvent).where(StepEvent.step_id == step.id).order_by(StepEvent.id)))


def current_index(publication: Publication, content: SequenceContent, now: datetime) -> int | None:
    """The step the student works on now (0-based), or None."""
    steps = live_steps(publication, content)
    return staging.current_step(publication.plan, succeeded_flags(steps), now)


def newest_response(publication: Publication, content: SequenceContent) -> PublishedStep | None:
    """The step holding the student's most recent response."""
    answered = [s for s in live_steps(publication, content) if s.progress and s.progress.responded_at]
    return max(answered, key=lambda s: s.progress.responded_at if s.progress else None, default=None)  # type: ignore[arg-type,return-value]
