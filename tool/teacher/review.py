"""Reviewing a sequence: the rendered document with its checks, edits, diffs,
regeneration, duplication and deletion. Teacher-only text (scripts, "if the
student struggles") is shown here and nowhere a student can reach.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any

from flask import redirect, render_template, request
from pydantic import ValidationError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from tool.db import session, utcnow
from tool.generation.checker import check_sequence, passed_checks
from tool.generation.ladders.library import family_by_id
from tool.generation.model import CheckId, Finding, Sequence, SequenceRequest
from tool.lti.session import launch_url
from tool.teacher import forms, job_states, queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.jobs import start_job
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.models import SequenceVersion
from tool.teacher.roster import course_roster
from tool.teacher.views import render_request_form, submit_request_form


def _findings(version: SequenceVersion) -> tuple[dict[int, list[Finding]], list[Finding], list[CheckId]]:
    """(findings per task, findings for the whole sequence, the checks a-f that passed)."""
    findings = [Finding.model_validate(raw) for raw in version.findings or []]
    per_task: dict[int, list[Finding]] = defaultdict(list)
    overall: list[Finding] = []
    for finding in findings:
        if finding.task_index is None:
            overall.append(finding)
        else:
            per_task[finding.task_index].append(finding)
    passed: list[CheckId] = [check for check in passed_checks(findings) if check != "format"]
    return per_task, overall, passed


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
        per_task, overall, passed = _findings(version)
        context.update(
            seq=Sequence.model_validate(version.content),
            per_task=per_task,
            overall=overall,
            passed=passed,
            versions=queries.list_versions(db, row),
        )
    context["active"] = job_states.blocks_new_job(job)
    context["stopped"] = job is not None and job_states.lease_lost(job)
    context["ladder"] = _ladder_used(db, row)
    return render_template("teacher/review.html", **context)


def _ladder_used(db: Any, row: SequenceRow) -> dict[str, Any] | None:
    """The skill ladder the newest generated version was built on (edits keep it), with its name."""
    for version in sorted(queries.list_versions(db, row), key=lambda v: v.number, reverse=True):
        ladder = (version.meta or {}).get("ladder")
        if ladder:
            family = family_by_id(ladder["family_id"]) if ladder.get("family_id") else None
            return {**ladder, "name": family.name if family else None}
    return None


def _save_version(db: Any, row: SequenceRow, edited: Sequence, source: str) -> SequenceVersion:
    findings = check_sequence(edited, SequenceRequest.model_validate(row.inputs))
    number = queries.next_version_number(db, row)
    version = SequenceVersion(
        sequence_id=row.id,
        number=number,
        content=edited.model_dump(mode="json"),
        findings=[f.model_dump(mode="json") for f in findings],
        meta=None,
        source=source,
        created_by_id=queries.launch_user(db, launch()).id,
    )
    db.add(version)
    row.current_version = number
    job_states.sync_sequence(db, row)  # derived: a sequence with a version is ready
    row.updated_at = utcnow()
    db.commit()
    return version


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
            _save_version(db, row, edited, "edited")
            return redirect(launch_url("teacher.review", public_id=row.public_id) + f"#{section}")
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
        ),
        422 if errors else 200,
    )


def _prefix(section: str) -> tuple[Any, ...]:
    if section == "diagnostic":
        return ("diagnostic",)
    if section.startswith("task-"):
        return ("tasks", int(section[5:]))
    return ()


@bp.get("/s/<public_id>/history")
@require_instructor
def history(public_id: str) -> str:
    """Versions, and a line diff of two of them (default: the last two)."""
    from tool.generation.markdown import render_markdown

    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    versions = queries.list_versions(db, row)
    diff: list[str] = []
    old = new = None
    if versions:
        new = queries.get_version(db, row, request.args.get("b", type=int) or versions[0].number)
        default_old = versions[1].number if len(versions) > 1 else new.number
        old = queries.get_version(db, row, request.args.get("a", type=int) or default_old)
        diff = list(
            difflib.unified_diff(
                render_markdown(Sequence.model_validate(old.content)).splitlines(),
                render_markdown(Sequence.model_validate(new.content)).splitlines(),
                fromfile=f"version {old.number}",
                tofile=f"version {new.number}",
                lineterm="",
            )
        )
    return render_template("teacher/history.html", row=row, versions=versions, diff=diff, old=old, new=new)


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
        start_job(db, current, row, created_by=queries.launch_user(db, current), roster=course_roster(current))
    return redirect(launch_url("teacher.review", public_id=row.public_id))


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
        start_job(
            db,
            current,
            row,
            created_by=queries.launch_user(db, current),
            roster=course_roster(current),
            kind="task",
            task_index=index,
            base=seq,
        )
    return redirect(launch_url("teacher.review", public_id=row.public_id) + f"#task-{index}")


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
    return redirect(launch_url("teacher.index"))
