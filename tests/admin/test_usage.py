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


def test_the_admin_deletes_a_switched_off_deployments_data_only_with_its_id_typed(app, client):
    from sqlalchemy import func, select

    from tool.lti.runtime import get_runtime
    from tool.publish.models import Publication
    from tool.teacher.models import Course

    world = make_world(app)
    publish(app, world)

    def counts() -> tuple[int, int, int]:
        with app.app_context(), db.transaction() as s:
            return (s.scalar(select(func.count(Course.id))) or 0, s.scalar(select(func.count(Sequence.id))) or 0,
                    s.scalar(select(func.count(Publication.id))) or 0)

    before = counts()
    assert before[0] == 1 and before[1] >= 1 and before[2] == 1
    client.post("/admin/login", data={"password": PASSWORD})
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    # Still switched on: refused, nothing deleted.
    assert client.post("/admin/deployments/1/delete-data", data={"csrf": token, "confirm": "1"}).status_code == 409
    get_runtime(app).registry.set_deployment_active_by_pk(1, False)
    wrong = client.post("/admin/deployments/1/delete-data", data={"csrf": token, "confirm": "2"})
    assert wrong.status_code == 400 and "Nothing was deleted" in wrong.get_data(as_text=True)
    assert counts() == before
    done = client.post("/admin/deployments/1/delete-data", data={"csrf": token, "confirm": "1"})
    assert done.status_code == 303
    assert counts() == (0, 0, 0)
    assert "was deleted" in client.get(done.headers["Location"]).get_data(as_text=True)
