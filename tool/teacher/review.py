"""Reviewing a sequence: the rendered document with an honest checks summary, edits,
regeneration, duplication and deletion (history and restore: ``tool.teacher.history``).
Teacher-only text (scripts, "if the student struggles") is shown here and nowhere a
student can reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from tool.db import session, utcnow
from tool.generation import usage_ledger
from tool.generation.checker import check_sequence, passed_checks
from tool.generation.ladders.library import family_by_id
from tool.generation.model import CheckId, Finding, Sequence, SequenceRequest
from tool.lti.session import launch_url
from tool.privacy import audit
from tool.student.views import for_student
from tool.teacher import forms, job_states, queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.jobs import start_job
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.models import SequenceVersion
from tool.teacher.roster import course_roster
from tool.teacher.views import render_request_form, submit_request_form


@dataclass(frozen=True)
class Shown:
    """A finding with the anchor where the page shows it (every finding gets one: nothing is dropped)."""

    anchor: str
    finding: Finding
    task_index: int | None  # the task it is shown in; None: in the checks summary

    @property
    def must_fix(self) -> bool:
        return self.finding.severity == "must_fix"


@dataclass(frozen=True)
class Checks:
    shown: list[Shown]
    passed: list[CheckId]

    @property
    def must_fix(self) -> list[Shown]:
        return [s for s in self.shown if s.must_fix]

    @property
    def consider(self) -> list[Shown]:
        return [s for s in self.shown if not s.must_fix]

    @property
    def overall(self) -> list[Shown]:
        return [s for s in self.shown if s.task_index is None]

    def for_task(self, index: int) -> list[Shown]:
        return [s for s in self.shown if s.task_index == index]


def checks_of(version: SequenceVersion, task_count: int) -> Checks:
    """Every stored finding, must-fix first, each with its anchor; a finding pointing at a task
    that no longer exists is shown in the summary rather than lost."""
    findings = [Finding.model_validate(raw) for raw in version.findings or []]
    ordered = sorted(
        findings, key=lambda f: (f.severity != "must_fix", f.task_index if f.task_index is not None else -1)
    )
    shown = [
        Shown(
            f"finding-{n}",
            finding,
            finding.task_index if finding.task_index is not None and 0 <= finding.task_index < task_count else None,
        )
        for n, finding in enumerate(ordered, start=1)
    ]
    passed: list[CheckId] = [check for check in passed_checks(findings) if check != "format"]
    return Checks(shown, passed)


def unchanged_rewrite(db: Any, row: SequenceRow, version: SequenceVersion, job: Any) -> dict[str, Any] | None:
    """When the newest version is a one-task rewrite that changed nothing: which task, and why."""
    if job is None or job.kind != "task" or job.status != "ready" or version.job_id != job.id:
        return None
    if job.task_index is None or job.base_version is None:
        return None
    try:
        before = Sequence.model_validate(queries.get_version(db, row, job.base_version).content)
    except NotFound:
        return None
    after = Sequence.model_validate(version.content)
    index = job.task_index
    if index >= len(after.tasks) or index >= len(before.tasks) or after.tasks[index] != before.tasks[index]:
        return None
    meta = version.meta or {}
    ladder = meta.get("ladder") or {}
    alternatives = [family_by_id(fid) for fid in ladder.get("alternatives") or []]
    return {
        "task": index + 1,
        "offline": meta.get("backend") == "offline",
        "guided": bool(ladder) and not ladder.get("family_id"),
        "alternatives": [(f.id, f.name) for f in alternatives if f is not None][:3],
    }


@bp.get("/s/<public_id>")
@require_instructor
def review(public_id: str) -> str:
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    version = queries.current_version(db, row)
    job = queries.latest_job(db, row)
    names = queries.teacher_names(db, row, version)
    context: dict[str, Any] = {"row": row, "job": job, "version": version, "names": names}
    if version is not None:
        seq = Sequence.model_validate(version.content)
        context.update(
            seq=seq,
            checks=checks_of(version, len(seq.tasks)),
            versions=queries.list_versions(db, row),
            unchanged=unchanged_rewrite(db, row, version, job),
            for_student=for_student,
        )
    context["active"] = job_states.blocks_new_job(job)
    context["stopped"] = job is not None and job_states.lease_lost(job)
    context["ladder"] = _ladder_used(db, row)
    context["usage"] = usage_ledger.sequence_usage(db, row.id)
    audit.record(
        db,
        "viewed",
        actor_id=queries.launch_user(db, launch()).id,
        deployment_pk=row.course.deployment_pk,
        sequence_id=row.id,
        student_id=row.target_user_id,
    )
    db.commit()
    return render_template("teacher/review.html", **context)


def _ladder_used(db: Any, row: SequenceRow) -> dict[str, Any] | None:
    """The skill ladder the newest generated version was built on (edits keep it), with its name."""
    for version in sorted(queries.list_versions(db, row), key=lambda v: v.number, reverse=True):
        ladder = (version.meta or {}).get("ladder")
        if ladder:
            family = family_by_id(ladder["family_id"]) if ladder.get("family_id") else None
            return {**ladder, "name": family.name if family else None}
    return None


def save_version(
    db: Any, row: SequenceRow, edited: Sequence, source: str, meta: dict[str, Any] | None = None
) -> SequenceVersion:
    """A new version (checked again) that becomes the current one; nothing older is touched."""
    findings = check_sequence(edited, SequenceRequest.model_validate(row.inputs))
    author_id = queries.launch_user(db, launch()).id
    for attempt in range(queries.VERSION_ATTEMPTS):
        number = queries.next_version_number(db, row)
        version = SequenceVersion(
            sequence_id=row.id,
            number=number,
            content=edited.model_dump(mode="json"),
            findings=[f.model_dump(mode="json") for f in findings],
            meta=meta,
            source=source,
            created_by_id=author_id,
        )
        try:
            db.add(version)
            row.current_version = number
            job_states.sync_sequence(db, row)  # derived: a sequence with a version is ready (flushes)
            row.updated_at = utcnow()
            db.commit()
            return version
        except IntegrityError:
            # The worker wrote a version with this number at the same moment: the edit takes the next one.
            db.rollback()
            if attempt == queries.VERSION_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@bp.route("/s/<public_id>/edit/<section>", methods=["GET", "POST"])
@require_instructor
def edit(public_id: str, section: str) -> BaseResponse | tuple[str, int]:
    """Edit one section; saving re-runs the checker and adds a version."""
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    version = queries.current_version(db, row)
    if version is None:
        raise NotFound("This sequence has no content to edit yet.")
    seq = Sequence.model_validate(version.content)
    if section not in forms.section_names(seq):
        raise NotFound("There is no such part of this sequence.")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            edited = forms.apply_edit(seq, section, request.form)
        except ValidationError as exc:
            errors = forms.errors_by_field(exc, prefix=_prefix(section))
        else:
            save_version(db, row, edited, "edited")
            audit.record(
                db,
                "changed",
                actor_id=queries.launch_user(db, launch()).id,
                deployment_pk=row.course.deployment_pk,
                sequence_id=row.id,
                student_id=row.target_user_id,
            )
            db.commit()
            return redirect(launch_url("teacher.review", public_id=row.public_id, done="saved") + f"#{section}")
    return (
        render_template(
            "teacher/edit.html",
            row=row,
            seq=seq,
            section=section,
            form=request.form if request.method == "POST" else None,
            errors=errors,
            fields=forms,
            phrases_text=forms.phrases_text,
            names=queries.teacher_names(db, row, version),
        ),
        422 if errors else 200,
    )


def _prefix(section: str) -> tuple[Any, ...]:
    if section == "diagnostic":
        return ("diagnostic",)
    if section.startswith("task-"):
        return ("tasks", int(section[5:]))
    return ()


def _no_active_job(db: Any, row: SequenceRow) -> bool:
    job = queries.latest_job(db, row)
    return not job_states.blocks_new_job(job)  # a job whose worker was lost does not block


@bp.post("/s/<public_id>/regenerate")
@require_instructor
def regenerate(public_id: str) -> BaseResponse:
    """Write the whole sequence again from the same inputs (a new version when ready)."""
    db = session()
    current = launch()
    row = queries.get_sequence(db, current, public_id)
    if _no_active_job(db, row):
        roster = course_roster(current)
        start_job(db, current, row, created_by=queries.committed_launch_user(db, current), roster=roster)
    return redirect(launch_url("teacher.review", public_id=row.public_id, done="rewriting"))


@bp.post("/s/<public_id>/tasks/<int:index>/regenerate")
@require_instructor
def regenerate_task(public_id: str, index: int) -> BaseResponse:
    """Rewrite one task; the rest of the current version is kept."""
    db = session()
    current = launch()
    row = queries.get_sequence(db, current, public_id)
    version = queries.current_version(db, row)
    if version is None:
        raise NotFound("This sequence has no tasks yet.")
    seq = Sequence.model_validate(version.content)
    if not 0 <= index < len(seq.tasks):
        raise NotFound("There is no such task.")
    if _no_active_job(db, row):
        roster = course_roster(current)
        start_job(
            db,
            current,
            row,
            created_by=queries.committed_launch_user(db, current),
            roster=roster,
            kind="task",
            task_index=index,
            base=seq,
        )
    return redirect(launch_url("teacher.review", public_id=row.public_id, done="rewriting") + f"#task-{index}")


@bp.route("/s/<public_id>/duplicate", methods=["GET", "POST"])
@require_instructor
def duplicate(public_id: str) -> BaseResponse | tuple[str, int]:
    """Same inputs (editable), another student, a fresh generation.

    Fresh rather than copied: the sequence is calibrated to one student, and the
    teacher usually adjusts the profile or strengths for the new one.
    """
    db = session()
    current = launch()
    row = queries.get_sequence(db, current, public_id)
    roster = course_roster(current)
    if request.method == "GET":
        return render_request_form("teacher/duplicate.html", values=dict(row.inputs), errors={}, roster=roster, row=row)
    return submit_request_form(db, current, roster, "teacher/duplicate.html", row=row)


@bp.route("/s/<public_id>/delete", methods=["GET", "POST"])
@require_instructor
def delete(public_id: str) -> BaseResponse | str:
    """Confirm, then hide the sequence (soft delete: published LMS links stop resolving)."""
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    if request.method == "GET":
        return render_template("teacher/delete.html", row=row)
    row.deleted_at = utcnow()
    db.commit()
    return redirect(launch_url("teacher.index", done="deleted"))
