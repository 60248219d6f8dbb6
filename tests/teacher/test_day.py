"""A scripted day in one course, through the real stack: three sequences for three students, published to
the development LMS (Canvas flavour) by the real worker, one publish refused by the LMS, students
responding from their LMS links, one score the gradebook does not take. The home page then lists exactly
the four things that need the teacher, in order.
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from publish.e2e import FailNth, LmsWorld, line_item_posts, wait_for
from publish.factories import content
from sqlalchemy import select

from tool import db
from tool.lti.models import Deployment, Registration
from tool.publish import progress
from tool.teacher.models import Course, Sequence, SequenceVersion, User

pytestmark = pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)

STUDENTS = {"student1": "Sam Student", "student2": "Sue Scholar", "student3": "Ravi Reader"}


def _sequence_for(world: LmsWorld, student: str) -> str:
    with world.app.app_context(), db.transaction() as s:
        reg = s.scalars(select(Registration).where(Registration.client_id == world.client_id)).one()
        dep = s.scalars(select(Deployment).where(Deployment.registration_id == reg.id)).one()
        course = s.scalars(select(Course).where(Course.registration_id == reg.id)).first()
        if course is None:
            course = Course(registration_id=reg.id, deployment_pk=dep.id, context_id="course-101", title="Year 8")
            s.add(course)
        users = {u.sub: u for u in s.scalars(select(User).where(User.registration_id == reg.id))}
        teacher = users.get(world.sub("teacher")) or User(
            registration_id=reg.id, sub=world.sub("teacher"), display_name="Tina Teacher"
        )
        target = User(registration_id=reg.id, sub=world.sub(student), display_name=STUDENTS[student])
        s.add_all([teacher, target])
        s.flush()
        row = Sequence(
            course_id=course.id,
            created_by_id=teacher.id,
            target_user_id=target.id,
            inputs={"target_skill": f"Write a developed paragraph ({student})", "student_level": "Year 8"},
            status="ready",
            current_version=1,
        )
        s.add(row)
        s.flush()
        s.add(
            SequenceVersion(
                sequence_id=row.id, number=1, content=content(4).model_dump(mode="json"), source="generated"
            )
        )
        return row.public_id


def _sync(world: LmsWorld, public_id: str) -> str | None:
    with world.app.app_context():
        row = db.session().scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        publication = progress.get_publication(db.session(), row.id)
        if publication is None:
            return None
        db.session().refresh(publication)
        return str(publication.sync_status)


def _publish(world: LmsWorld, token: str, public_id: str) -> None:
    response = world.app.test_client().post(
        f"/teacher/sequences/{public_id}/publish", data={"lt": token, "mode": "mastery", "timezone": "Europe/London"}
    )
    assert response.status_code == 303, response.get_data(True)[:1500]


def _links_of(world: LmsWorld, public_id: str) -> list[Any]:
    links = [link for link in world.assignments() if public_id in (link.resource_id or "")]
    return sorted(links, key=lambda link: link.title)


def _step_id(link: Any) -> str:
    """Our step id in an AGS assignment's launch URL."""
    return parse_qs(urlsplit(link.url).query)["step"][0]


def _respond(world: LmsWorld, student: str, link: Any, kind: str, text: str = "") -> None:
    page = world.launch(student, link=link.id)
    assert page.status_code == 200 and "/student/" in page.url, page.text[:500]
    lt = parse_qs(urlsplit(page.url).query)["lt"][0]
    step = re.search(r'name="step" value="([^"]+)"', page.text)
    assert step, page.text[:2000]
    sent = world.app.test_client().post(
        "/student/respond", data={"lt": lt, "step": step.group(1), "response": text, "kind": kind}
    )
    assert sent.status_code == 303, sent.get_data(True)[:1500]


def _needs(page: str) -> list[str]:
    block = page.split('id="needs"', 1)[1].split("</ol>", 1)[0]
    items = block.split("<li")[1:]
    return [html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", "<li" + item))).strip() for item in items]


def test_the_home_page_lists_the_four_things_that_need_the_teacher_in_order(
    lms_world: LmsWorld, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    sam, sue, ravi = (_sequence_for(world, s) for s in STUDENTS)
    token = world.teacher_token()

    # Morning: Sam's and Sue's sequences go into the course; the LMS refuses Ravi's assignments.
    for public_id in (sam, sue):
        _publish(world, token, public_id)
        wait_for(lambda p=public_id: _sync(world, p) == "done", what="the worker to publish")  # type: ignore[misc]
    refuse = world.lms.wrap(lambda app: FailNth(app, line_item_posts, n=1, status=403))
    _publish(world, token, ravi)
    wait_for(lambda: _sync(world, ravi) == "failed", what="Ravi's publish to fail")
    assert refuse.seen >= 1

    home = world.app.test_client().get("/teacher/", query_string={"lt": token}).get_data(as_text=True)
    assert [n.split(" — ")[0] for n in _needs(home)] == ["Ravi Reader"]

    # During lessons: Sam sends work for step 1; Sue says she did step 1 in class.
    sam_links, sue_links = _links_of(world, sam), _links_of(world, sue)
    _respond(world, "student1", sam_links[0], "text", "I planned it out loud first, then wrote three sentences.")
    _respond(world, "student2", sue_links[0], "did_it")

    # Break: the teacher confirms Sam's step 1, but the gradebook is down for that one score.
    sam_step1 = _step_id(sam_links[0])
    world.lms.wrap(
        lambda app: FailNth(
            app, lambda env: env["REQUEST_METHOD"] == "POST" and env["PATH_INFO"].endswith("/scores"), n=1, status=403
        )
    )
    marked = world.app.test_client().post(
        f"/teacher/sequences/{sam}/steps/{sam_step1}/succeeded", data={"lt": token, "note": "talked first"}
    )
    assert marked.status_code == 303
    # Afternoon: step 2 opened for Sam, who sends it.
    _respond(world, "student1", sam_links[1], "text", "I used the same plan for the next paragraph.")

    home = world.app.test_client().get("/teacher/", query_string={"lt": token}).get_data(as_text=True)
    needs = _needs(home)
    assert len(needs) == 4, needs
    assert needs[0].startswith("Sue Scholar — Confirm step 1")
    assert needs[1].startswith("Sam Student — Look at the response to step 2")
    assert needs[2].startswith("Ravi Reader — Publishing to your course failed")
    assert needs[3].startswith("Sam Student — Step 1's score did not reach the gradebook")
    assert re.search(r'id="needs-count"[^>]*>4<', home)
    # Each line leads to the place where the teacher acts.
    assert f"/teacher/sequences/{sue}/progress?lt=" in home and f"#step-{_step_id(sue_links[0])}" in home
    assert f"/teacher/sequences/{ravi}/progress?lt=" in home and "#publication" in home


def test_times_follow_the_zone_the_platform_sends(lms_world: LmsWorld) -> None:
    """A platform that fills the ``timezone`` custom parameter ($Person.address.timezone) sets the zone
    of every time on the home page; the browser's zone is used only when it sends none."""
    world = lms_world
    _sequence_for(world, "student1")
    plain = world.app.test_client().get("/teacher/", query_string={"lt": world.teacher_token()}).get_data(True)
    assert "data-local" in plain and "UTC</time>" in plain
    with world.platform.lock:
        world.platform.tools[world.client_id].custom["timezone"] = "America/Denver"
    zoned = world.app.test_client().get("/teacher/", query_string={"lt": world.teacher_token()}).get_data(True)
    assert 'title="America/Denver"' in zoned and "data-local" not in zoned
