"""Teacher area: the home page (what needs the teacher) and its paged lists, the new-sequence form,
live job status, retry.

Every route is wrapped in ``require_instructor`` and reaches rows only through
``tool.teacher.queries`` with the launch's scope. Review and editing live in
``tool.teacher.review``; both register on the same blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from tool.db import session, utcnow
from tool.generation.model import SequenceRequest
from tool.lti.launch import Launch
from tool.lti.nrps import Member
from tool.lti.session import launch_url
from tool.teacher import attention, forms, job_states, queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import STATUS_LABELS, bp
from tool.teacher.jobs import start_job
from tool.teacher.models import ACTIVE_JOB_STATES, User
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.roster import course_roster, learners

MAX_LABEL = 120


@bp.get("/")
@require_instructor
def index() -> str:
    db = session()
    current = launch()
    course = queries.ensure_course(db, current)
    queries.launch_user(db, current)
    db.commit()
    overview = attention.whats_needed(db, current, utcnow())
    g.needs_count = overview.count  # the nav badge reuses it
    return render_template("teacher/index.html", course=course, overview=overview)


@bp.get("/students")
@require_instructor
def students() -> str:
    """Every sequence of the course, a page at a time (``?page=``), optionally only students whose name has ``?q=``."""
    name = (request.args.get("q") or "").strip()[:MAX_LABEL]
    listing = attention.sequence_page(
        session(), launch(), utcnow(), attention.page_number(request.args.get("page")), name
    )
    g.needs_count = listing.count
    return render_template("teacher/students.html", listing=listing)


@bp.get("/waiting/<group>")
@require_instructor
def waiting(group: str) -> str:
    """Every waiting item of one kind (``attention.GROUPS``), a page at a time, oldest first."""
    kind = attention.GROUPS_BY_SLUG.get(group)
    if kind is None:
        abort(404)
    listing = attention.waiting_page(
        session(), launch(), utcnow(), kind, attention.page_number(request.args.get("page"))
    )
    g.needs_count = listing.count
    return render_template("teacher/waiting.html", listing=listing)


def resolve_target(
    db: Any, current: Launch, roster: list[Member] | None, form: Any
) -> tuple[User | None, str | None, str | None]:
    """(roster user, typed label, error) for the target-student fields of a form."""
    label = (form.get("target_label") or "").strip()
    sub = (form.get("target_sub") or "").strip()
    if sub:
        member = next((m for m in learners(roster) if m.user_id == sub), None)
        if member is None:
            return None, None, "Pick a student from this course's list."
        user = queries.upsert_user(
            db,
            current.registration_id,
            member.user_id,
            display_name=member.display_name,
            given_name=member.given_name,
            family_name=member.family_name,
            email=member.email,
        )
        return user, None, None
    if not label:
        if roster is not None:
            return None, None, "Pick the student, or type a label if they are not listed."
        return None, None, "Type a label for the student (a first name or initials); it stays here."
    if len(label) > MAX_LABEL:
        return None, None, f"Keep the label under {MAX_LABEL} characters."
    return None, label, None


def render_request_form(
    template: str, *, values: dict[str, str], errors: dict[str, str], roster: list[Member] | None, **extra: Any
) -> tuple[str, int]:
    status = 422 if errors else 200
    return (
        render_template(
            template,
            fields=forms.REQUEST_FIELDS,
            values=values,
            errors=errors,
            roster=roster,
            learners=learners(roster),
            **extra,
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_instructor
def new() -> BaseResponse | tuple[str, int]:
    db = session()
    current = launch()
    roster = course_roster(current)
    if request.method == "GET":
        return render_request_form("teacher/new.html", values={}, errors={}, roster=roster)
    return submit_request_form(db, current, roster, "teacher/new.html")


def submit_request_form(
    db: Any, current: Launch, roster: list[Member] | None, template: str, **extra: Any
) -> BaseResponse | tuple[str, int]:
    """POST of a request form with a target student: the form again with errors, or a new sequence and its job."""
    parsed, errors, values = forms.parse_request(request.form)
    target_user, label, target_error = resolve_target(db, current, roster, request.form)
    values.update(target_sub=request.form.get("target_sub", ""), target_label=request.form.get("target_label", ""))
    if target_error:
        errors["target"] = target_error
    if parsed is None or errors:
        db.rollback()
        return render_request_form(template, values=values, errors=errors, roster=roster, **extra)
    row = create_sequence(db, current, parsed, target_user, label)
    start_job(db, current, row, created_by=row.created_by, roster=roster)
    return redirect(launch_url("teacher.review", public_id=row.public_id, done="writing"))


def create_sequence(
    db: Any, current: Launch, parsed: SequenceRequest, target_user: User | None, label: str | None
) -> SequenceRow:
    """Save the request as typed (before anything is enqueued)."""
    course = queries.ensure_course(db, current)
    author = queries.launch_user(db, current)
    row = SequenceRow(
        course_id=course.id,
        created_by_id=author.id,
        target_user_id=target_user.id if target_user else None,
        target_label=label,
        inputs=parsed.model_dump(mode="json"),
        status="queued",
    )
    db.add(row)
    db.commit()
    return row


@bp.get("/s/<public_id>/status.json")
@require_instructor
def status(public_id: str) -> Response:
    """Progress of the sequence's latest job, polled by static/teacher/progress.js."""
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    job = queries.latest_job(db, row)
    job_status = job.status if job else row.status
    return jsonify(
        status=job_status,
        label=(job and job_states.label_for(job)) or STATUS_LABELS.get(job_status, job_status),
        reason=job.error_reason if job else None,
        kind=job.kind if job else None,
        active=job_states.blocks_new_job(job) if job else job_status in ACTIVE_JOB_STATES,
        stopped=job is not None and job_states.lease_lost(job),
        version=row.current_version,
    )


@bp.route("/s/<public_id>/retry", methods=["GET", "POST"])
@require_instructor
def retry(public_id: str) -> BaseResponse | tuple[str, int]:
    """A failed sequence: show the kept inputs (editable) and start again."""
    db = session()
    current = launch()
    row = queries.get_sequence(db, current, public_id)
    job = queries.latest_job(db, row)
    roster = course_roster(current)
    if request.method == "GET":
        return render_request_form(
            "teacher/retry.html", values=dict(row.inputs), errors={}, roster=roster, row=row, job=job
        )
    parsed, errors, values = forms.parse_request(request.form)
    if parsed is None:
        return render_request_form(
            "teacher/retry.html", values=values, errors=errors, roster=roster, row=row, job=job
        )
    if job_states.blocks_new_job(job):  # a job whose worker was lost does not block
        return redirect(launch_url("teacher.review", public_id=row.public_id))
    row.inputs = parsed.model_dump(mode="json")
    start_job(db, current, row, created_by=queries.committed_launch_user(db, current), roster=roster)
    return redirect(launch_url("teacher.review", public_id=row.public_id, done="writing"))


def init_app(app: Flask) -> None:
    from tool.teacher import history, review, wording  # noqa: F401  (register their routes and helpers on bp)

    app.register_blueprint(bp)
