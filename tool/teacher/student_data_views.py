"""One student's data, for their teacher: export it as JSON, or delete it.

Routes on the teacher blueprint (instructor launches only; the student must be the target of a
sequence in the launch's course):

- GET  /teacher/students/<id>/export.json   every sequence, version (names restored), response and
                                            step history the tool keeps about the student here
- GET  /teacher/students/<id>/delete        what would be deleted, and a confirm button
- POST /teacher/students/<id>/delete        delete it (and the student's user row if nothing else uses it)

Both are written to the audit log (ids only). ``init_app`` also schedules the retention purge.
"""

from __future__ import annotations

import json

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import NotFound

from tool.db import session
from tool.privacy import lifecycle
from tool.privacy import tasks as privacy_tasks
from tool.teacher import queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.models import User


def _scope(student_id: int) -> tuple[int, User | None, list[object]]:
    """(course id, the student's row, their sequences here); 404 when the student has none in this course."""
    db = session()
    course = queries.ensure_course(db, launch())
    rows = lifecycle.student_sequences(db, course.id, student_id)
    if not rows:
        raise NotFound("This student has no sequences in this course.")
    return course.id, db.get(User, student_id), rows


@bp.get("/students/<int:student_id>/export.json")
@require_instructor
def export_student(student_id: int) -> Response:
    db = session()
    course_id, _, _ = _scope(student_id)
    actor = queries.launch_user(db, launch())
    data = lifecycle.export_student(db, course_id, student_id, actor.id)
    db.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="student-{student_id}.json"'},
    )


@bp.route("/students/<int:student_id>/delete", methods=["GET", "POST"])
@require_instructor
def delete_student(student_id: int) -> str:
    db = session()
    course_id, student, rows = _scope(student_id)
    name = student.display_name if student is not None else "this student"
    if request.method == "GET":
        return render_template("teacher/student_delete.html", name=name, count=len(rows), student_id=student_id)
    actor = queries.launch_user(db, launch())
    done = lifecycle.delete_student(db, course_id, student_id, actor.id)
    db.commit()
    return render_template("teacher/student_delete.html", name=name, done=done, student_id=student_id)


def init_app(app: Flask) -> None:
    """Routes are on the teacher blueprint, registered by ``tool.teacher.views`` (imported after this)."""
    privacy_tasks.init_app(app)
