"""What needs the teacher now: one line per student and sequence, and the things waiting for them.

A teacher with thirty students and five minutes between lessons opens the home
page to learn what to do next. This module answers from the rows alone, with a
fixed number of queries however many sequences the course has (no query per
sequence): the sequences, their latest generation jobs, their current versions'
findings, their publications with steps and progress, and the published
versions' task counts.

Publication states are read tolerantly (``publication_phase``): the publishing
lifecycle (``tool.publish.lifecycle``: a state plus the AGS job's sync status)
and the older single ``status`` column both map onto four phases; an unknown
value reads as "in progress", never as a problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tool.lti.launch import Launch
from tool.publish import staging
from tool.publish.models import Publication, PublishedStep, StepProgress
from tool.teacher.models import ACTIVE_JOB_STATES, Course, GenerationJob, Sequence, SequenceVersion


class Need(IntEnum):
    """What waits for the teacher; the value is the order on the home page (smallest first).

    A student waiting for an answer comes first (they cannot move on without
    it), then what stops a student starting at all, then the gradebook, then
    work only the teacher is waiting on.
    """

    RESPONSE = 0  # the student sent work to look at
    CONFIRM = 1  # the student says they did it in class: confirm it went well
    PUBLISH_FAILED = 2
    SCORE_FAILED = 3
    WRITING_FAILED = 4
    DRAFT = 5  # written, not yet given to the student


NEED_WORDS: dict[Need, str] = {
    Need.RESPONSE: "Look at the response to step {step}",
    Need.CONFIRM: "Confirm step {step}: they say they did it in class",
    Need.PUBLISH_FAILED: "Publishing to your course failed",
    Need.SCORE_FAILED: "Step {step}'s score did not reach the gradebook",
    Need.WRITING_FAILED: "The sequence could not be written",
    Need.DRAFT: "Review the draft and give it to the student",
}


@dataclass(frozen=True)
class Item:
    """One thing waiting for the teacher."""

    need: Need
    sequence: Sequence
    since: datetime
    step_number: int | None = None
    step_public_id: str | None = None
    detail: str | None = None  # e.g. the LMS's reason, or how many things to fix

    @property
    def words(self) -> str:
        return NEED_WORDS[self.need].format(step=self.step_number)

    @property
    def goes_to_progress(self) -> bool:
        return self.need in (Need.RESPONSE, Need.CONFIRM, Need.PUBLISH_FAILED, Need.SCORE_FAILED)

    @property
    def anchor(self) -> str:
        if self.step_public_id:
            return f"step-{self.step_public_id}"
        return "publication" if self.need is Need.PUBLISH_FAILED else ""

    @property
    def rank(self) -> int:
        """Responses and confirmations are one group (a student waits either way), oldest first."""
        return int(Need.RESPONSE) if self.need is Need.CONFIRM else int(self.need)

    @property
    def sort_key(self) -> tuple[int, datetime, int]:
        return (self.rank, self.since, self.sequence.id)


@dataclass
class Line:
    """One student's sequence as the home page lists it."""

    sequence: Sequence
    where: str  # e.g. "Step 2 of 5 — waiting for the student"
    current_step: int | None
    total_steps: int | None
    last_activity: datetime
    items: list[Item] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[int, float, int]:
        first = min((item.sort_key for item in self.items), default=None)
        if first is None:  # nothing waiting: most recent activity first, after every line that needs you
            return (len(Need), -self.last_activity.timestamp(), self.sequence.id)
        return (first[0], first[1].timestamp(), self.sequence.id)


@dataclass(frozen=True)
class Overview:
    lines: list[Line]
    items: list[Item]

    @property
    def count(self) -> int:
        return len(self.items)


def _scope(launch: Launch):  # type: ignore[no-untyped-def]
    registration_id, deployment_pk, context_id = launch.scope_key
    return (
        Course.registration_id == registration_id,
        Course.deployment_pk == deployment_pk,
        Course.context_id == context_id,
    )


def _latest_jobs(db: Session, ids: list[int]) -> dict[int, GenerationJob]:
    newest = (
        select(func.max(GenerationJob.id))
        .where(GenerationJob.sequence_id.in_(ids))
        .group_by(GenerationJob.sequence_id)
        .scalar_subquery()
    )
    return {job.sequence_id: job for job in db.scalars(select(GenerationJob).where(GenerationJob.id.in_(newest)))}


def _current_must_fix(db: Session, ids: list[int]) -> dict[int, int]:
    """Sequence id -> number of must-fix findings on its current version."""
    rows = db.execute(
        select(SequenceVersion.sequence_id, SequenceVersion.findings)
        .join(
            Sequence,
            and_(Sequence.id == SequenceVersion.sequence_id, Sequence.current_version == SequenceVersion.number),
        )
        .where(Sequence.id.in_(ids))
    )
    return {
        sequence_id: sum(1 for f in findings or [] if f.get("severity", "must_fix") == "must_fix")
        for sequence_id, findings in rows
    }


def _published_task_counts(db: Session, ids: list[int]) -> dict[int, int]:
    rows = db.execute(
        select(SequenceVersion.sequence_id, SequenceVersion.content)
        .join(
            Publication,
            and_(
                Publication.sequence_id == SequenceVersion.sequence_id,
                Publication.version_number == SequenceVersion.number,
            ),
        )
        .where(SequenceVersion.sequence_id.in_(ids))
    )
    return {sequence_id: len((content or {}).get("tasks") or []) for sequence_id, content in rows}


PHASE_FAILED = "failed"
PHASE_BUSY = "busy"
PHASE_IN_COURSE = "in course"
PHASE_WITHDRAWN = "withdrawn"


def publication_phase(publication: Publication) -> str:
    """failed | busy | in course | withdrawn, from whichever state columns the publication has."""
    state = getattr(publication, "state", None)
    sync = getattr(publication, "sync_status", None)
    legacy = getattr(publication, "status", None)
    if sync == "failed" or legacy == "failed":
        return PHASE_FAILED
    if state == "withdrawn":
        return PHASE_WITHDRAWN
    if sync in ("queued", "running") or legacy in ("pending", "publishing"):
        return PHASE_BUSY
    if state in ("sent", "confirmed", "updated") or legacy == "published":
        return PHASE_IN_COURSE
    return PHASE_BUSY


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _step_items(sequence: Sequence, steps: list[PublishedStep], plan: staging.ReleasePlan, now: datetime) -> list[Item]:
    items: list[Item] = []
    flags = [bool(s.progress and s.progress.succeeded_at) for s in steps]
    for step in steps:
        progress: StepProgress | None = step.progress
        if progress is None:
            continue
        open_now = staging.is_open(plan, step.index, flags, now)
        state = staging.step_state(
            open_now,
            staging.StepFacts(progress.responded_at, progress.succeeded_at, progress.adjusted_at),
        )
        if state is staging.StepState.SUBMITTED and progress.responded_at is not None:
            need = Need.CONFIRM if progress.response_kind == "did_it" else Need.RESPONSE
            items.append(Item(need, sequence, progress.responded_at, step.number, step.public_id))
        if progress.succeeded_at is not None and progress.score_status in ("failed", "gone"):
            since = progress.score_posted_at or progress.succeeded_at
            items.append(
                Item(Need.SCORE_FAILED, sequence, since, step.number, step.public_id, detail=progress.score_error)
            )
    return items


def _step_activity(steps: Iterable[PublishedStep]) -> datetime | None:
    moments: list[datetime | None] = []
    for step in steps:
        if step.progress is not None:
            p = step.progress
            moments += [p.responded_at, p.succeeded_at, p.adjusted_at, p.score_posted_at]
    return _latest(*moments)


def _published_line(
    sequence: Sequence, publication: Publication, task_count: int | None, now: datetime
) -> tuple[str, int | None, int | None, list[Item]]:
    steps = [s for s in publication.steps if task_count is None or s.index < task_count]
    total = len(steps)
    items: list[Item] = []
    phase = publication_phase(publication)
    if phase == PHASE_FAILED:
        items.append(Item(Need.PUBLISH_FAILED, sequence, publication.updated_at, detail=publication.last_error))
        return "Publishing to your course failed", None, total, items
    if phase == PHASE_WITHDRAWN:
        return "Withdrawn: the student sees nothing", None, total, items
    if phase == PHASE_BUSY:
        return "Being put into your course", None, total, items
    try:
        plan = publication.plan
    except staging.ReleasePlanError:  # a stored zone this server no longer knows: show, never crash
        return "In your course", None, total, items
    items = _step_items(sequence, steps, plan, now)
    flags = [bool(s.progress and s.progress.succeeded_at) for s in steps]
    if steps and all(flags):
        return f"All {total} steps done", None, total, items
    current = staging.current_step(plan, flags, now)
    if current is None:
        nxt = flags.index(False) + 1 if False in flags else None
        return (f"Step {nxt} of {total} opens later" if nxt else "Waiting"), None, total, items
    step = steps[current]
    state = staging.step_state(True, _facts(step.progress))
    doing = {
        staging.StepState.OPEN: "the student has not sent anything yet",
        staging.StepState.SUBMITTED: "the student sent something",
        staging.StepState.NEEDS_ANOTHER_GO: "the student is having another go",
    }.get(state, "")
    return f"Step {current + 1} of {total}" + (f": {doing}" if doing else ""), current + 1, total, items


def _facts(progress: StepProgress | None) -> staging.StepFacts:
    if progress is None:
        return staging.StepFacts()
    return staging.StepFacts(progress.responded_at, progress.succeeded_at, progress.adjusted_at)


def whats_needed(db: Session, launch: Launch, now: datetime) -> Overview:
    """Every live sequence of the launch's course as a line, and all waiting items in order."""
    sequences = list(
        db.scalars(
            select(Sequence)
            .join(Course, Sequence.course_id == Course.id)
            .where(*_scope(launch), Sequence.deleted_at.is_(None))
        ).unique()
    )
    ids = [s.id for s in sequences]
    if not ids:
        return Overview([], [])
    jobs = _latest_jobs(db, ids)
    must_fix = _current_must_fix(db, ids)
    publications = {p.sequence_id: p for p in db.scalars(select(Publication).where(Publication.sequence_id.in_(ids)))}
    task_counts = _published_task_counts(db, ids) if publications else {}
    lines: list[Line] = []
    for sequence in sequences:
        job = jobs.get(sequence.id)
        publication = publications.get(sequence.id)
        items: list[Item] = []
        current = total = None
        job_active = job is not None and job.status in ACTIVE_JOB_STATES
        if job is not None and job.status == "failed":
            detail = job.error_reason
            if sequence.current_version is not None:
                detail = "The last rewrite did not finish; the version you had is unchanged."
            items.append(Item(Need.WRITING_FAILED, sequence, job.finished_at or job.updated_at, detail=detail))
        if publication is not None:
            where, current, total, step_items = _published_line(
                sequence, publication, task_counts.get(sequence.id), now
            )
            items += step_items
        elif job_active:
            where = "Being written"
        elif sequence.current_version is None:
            where = "Not written"
        else:
            where = "Draft, not yet given to the student"
            fixes = must_fix.get(sequence.id, 0)
            detail = f"{fixes} thing{'s' if fixes != 1 else ''} to fix first" if fixes else None
            items.append(Item(Need.DRAFT, sequence, sequence.updated_at, detail=detail))
        activity = _latest(
            sequence.updated_at,
            job.finished_at if job else None,
            publication.updated_at if publication else None,
            _step_activity(publication.steps) if publication else None,
        )
        lines.append(
            Line(
                sequence,
                where,
                current,
                total,
                activity or sequence.created_at,
                sorted(items, key=lambda i: i.sort_key),
            )
        )
    lines.sort(key=lambda line: line.sort_key)
    items = sorted((item for line in lines for item in line.items), key=lambda i: i.sort_key)
    return Overview(lines, items)
