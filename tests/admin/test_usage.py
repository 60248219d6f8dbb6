"""Usage per deployment, counted from real rows (a published sequence for a roster student, a
sequence for a typed label, a deleted one that must not count), and shown in the console."""

from __future__ import annotations

import re

from tests.publish.factories import make_world, publish
from tool import db
from tool.admin.usage import Usage, usage_by_deployment
from tool.db import utcnow
from tool.teacher.models import Sequence

from .conftest import PASSWORD


def test_usage_counts_courses_sequences_students_and_publications(app, client):
    world = make_world(app)
    publish(app, world)
    with app.app_context(), db.transaction() as s:
        base = {"course_id": world.course_id, "created_by_id": world.teacher_id, "inputs": {}, "status": "ready"}
        s.add(Sequence(**base, target_label="J.B."))
        s.add(Sequence(**base, target_label="J.B."))  # the same typed student twice: one student
        s.add(Sequence(**base, target_user_id=world.student_id))  # the roster student again: still one
        s.add(Sequence(**base, target_label="gone", deleted_at=utcnow()))  # deleted: not counted
    usage = usage_by_deployment(app.extensions["db_engine"], [1, 2, 3])
    assert usage[1] == Usage(courses=1, sequences=4, students=2, publications=1)
    assert 2 not in usage and 3 not in usage  # deployments nobody used

    client.post("/admin/login", data={"password": PASSWORD})
    page = client.get("/admin/").get_data(as_text=True)
    row = re.search(r'<tr data-deployment="1" data-state="active">.*?</tr>', page, re.S)
    assert row, page
    cells = re.findall(r"<td>(\d+)</td>", row.group(0))
    assert cells == ["1", "1", "4", "2", "1"]  # deployment id, courses, sequences, students, publications
