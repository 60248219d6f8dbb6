"""End-to-end harness: the development LMS and the tool, each on a loopback port, plus a real worker.

``LmsWorld`` registers the tool in one devlms flavour (and the platform in the
tool), creates a ready sequence for Sam Student, and performs launches with the
devlms ``LaunchDriver`` over real HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from devlms.model import USERS_BY_KEY, Flavour
from devlms.platform import Platform
from devlms.testing import DevLmsServer, LaunchDriver, ServerThread
from publish.factories import content
from tool import db
from tool.lti.models import Deployment, Registration
from tool.lti.runtime import get_runtime
from tool.teacher.models import Course, Sequence, SequenceVersion, User

REPO = Path(__file__).resolve().parents[2]


@dataclass
class LmsWorld:
    app: Flask
    lms: DevLmsServer
    tool_url: str
    flavour: Flavour
    client_id: str
    deployment_id: str
    sequence_public_id: str = ""

    @property
    def platform(self) -> Platform:
        return self.lms.platform(self.flavour)

    def sub(self, user: str) -> str:
        return USERS_BY_KEY[user].sub(self.flavour)

    def launch(self, user: str, **kw: Any) -> requests.Response:
        driver = LaunchDriver(self.lms)
        return driver.launch(self.flavour, self.client_id, user=user, **kw)

    def launch_session_post(self, form: Any) -> requests.Response:
        """POST an auto-submit form (e.g. the deep-linking response) as the browser would."""
        return requests.post(form.action, data=form.fields, timeout=30)

    def teacher_token(self) -> str:
        response = self.launch("teacher", follow_redirects=False)
        assert response.status_code in (302, 303), response.text[:500]
        return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]

    def make_sequence(self, tasks: int = 5, student: str = "student1") -> str:
        """A ready sequence for ``student`` in the devlms course (as the teacher workflow leaves it)."""
        with self.app.app_context(), db.transaction() as s:
            reg = s.scalars(select(Registration).where(Registration.client_id == self.client_id)).one()
            dep = s.scalars(select(Deployment).where(Deployment.registration_id == reg.id)).one()
            course = s.scalars(select(Course).where(Course.registration_id == reg.id)).first()
            if course is None:
                course = Course(registration_id=reg.id, deployment_pk=dep.id, context_id="course-101", title="Year 8")
                s.add(course)
            teacher = User(registration_id=reg.id, sub=self.sub("teacher"), display_name="Tina Teacher")
            target = User(registration_id=reg.id, sub=self.sub(student), display_name="Sam Student")
            existing = {u.sub: u for u in s.scalars(select(User).where(User.registration_id == reg.id))}
            teacher = existing.get(teacher.sub, teacher)
            target = existing.get(target.sub, target)
            s.add_all([teacher, target])
            s.flush()
            seq = Sequence(
                course_id=course.id,
                created_by_id=teacher.id,
                target_user_id=target.id,
                inputs={"target_skill": "Write a developed paragraph", "student_level": "Year 8"},
                status="ready",
                current_version=1,
            )
            s.add(seq)
            s.flush()
            s.add(
                SequenceVersion(
                    sequence_id=seq.id, number=1, content=content(tasks).model_dump(mode="json"), source="generated"
                )
            )
            self.sequence_public_id = seq.public_id
            return seq.public_id

    def publish_by_deep_link(self, *, save: bool = True, **plan: str) -> tuple[str, list[Any]]:
        """Teacher deep-linking launch -> pick the sequence -> the LMS accepts (Moodle: Save, or Cancel
        with ``save=False``); returns (teacher lt, the course's links)."""
        chosen, token = self.pick_in_deep_link(**plan)
        self.return_deep_link(chosen, save=save)
        return token, sorted(self.assignments(), key=lambda link: link.title)

    def pick_in_deep_link(self, **fields: str) -> tuple[str, str]:
        """Teacher deep-linking launch -> choose the sequence; returns (the tool's answer page, lt)."""
        picker = self.launch("teacher", message="LtiDeepLinkingRequest")
        assert urlsplit(picker.url).path == "/teacher/deep-link", picker.text[:1000]
        token = parse_qs(urlsplit(picker.url).query)["lt"][0]
        data = {"lt": token, "sequence": self.sequence_public_id, "mode": "mastery", **fields}
        chosen = self.app.test_client().post("/teacher/deep-link", data=data)
        assert chosen.status_code == 200, chosen.get_data(True)[:2000]
        return chosen.get_data(True), token

    def return_deep_link(self, page: str, *, save: bool = True) -> requests.Response:
        """POST the tool's deep-linking response to the LMS as the browser would (Moodle: then Save/Cancel)."""
        from devlms.testing import answer_summary, parse_auto_submit_form

        accepted = self.launch_session_post(parse_auto_submit_form(page, self.tool_url))
        assert accepted.status_code == 200, accepted.text[:1000]
        done = answer_summary(accepted, save=save)
        assert done.status_code == 200, done.text[:1000]
        return done

    def publish_by_ags(self, token: str, **plan: str) -> None:
        """Canvas: the teacher's publish form, then the publishing job run here (no worker process)."""
        from tool.publish.tasks import execute_publish

        data = {"lt": token, "mode": "mastery", "spacing_days": "3", "timezone": "Europe/London", **plan}
        response = self.app.test_client().post(f"/teacher/sequences/{self.sequence_public_id}/publish", data=data)
        assert response.status_code == 303, response.get_data(True)[:2000]
        with self.app.app_context():
            assert execute_publish(self.publication().id) == "done"

    def publication(self) -> Any:
        """The sequence's publication as the database holds it now (with its steps)."""
        from tool.publish import progress

        with self.app.app_context():
            session = db.session()
            session.expire_all()
            seq = session.scalars(select(Sequence).where(Sequence.public_id == self.sequence_public_id)).one()
            publication = progress.get_publication(session, seq.id)
            assert publication is not None
            for step in publication.steps:
                _ = step.progress
            return publication

    def progress_page(self, token: str) -> str:
        page = self.app.test_client().get(
            f"/teacher/sequences/{self.sequence_public_id}/progress", query_string={"lt": token}
        )
        assert page.status_code == 200, page.get_data(True)[:2000]
        return page.get_data(True)

    def teacher_post(self, token: str, path: str, **data: str) -> Any:
        response = self.app.test_client().post(
            f"/teacher/sequences/{self.sequence_public_id}/{path}", data={"lt": token, **data}
        )
        assert response.status_code in (200, 303), response.get_data(True)[:2000]
        return response

    def new_version(self, edit: Callable[[Any], None]) -> int:
        """The teacher saves a new version: ``edit`` changes a copy of the current content."""
        from tool.generation.model import Sequence as Content

        with self.app.app_context(), db.transaction() as s:
            seq = s.scalars(select(Sequence).where(Sequence.public_id == self.sequence_public_id)).one()
            current = s.scalars(
                select(SequenceVersion).where(
                    SequenceVersion.sequence_id == seq.id, SequenceVersion.number == seq.current_version
                )
            ).one()
            content = Content.model_validate(current.content)
            edit(content)
            number = (seq.current_version or 0) + 1
            s.add(
                SequenceVersion(
                    sequence_id=seq.id, number=number, content=content.model_dump(mode="json"), source="edited"
                )
            )
            seq.current_version = number
            return number

    def assignments(self) -> list[Any]:
        with self.platform.lock:
            return [link for link in self.platform.links.values() if link.created_by != "registration"]


def register_in(app: Flask, lms: DevLmsServer, tool_url: str, flavour: Flavour) -> tuple[str, str]:
    platform = lms.platform(flavour)
    client_id, deployment_id = platform.register_tool(
        login_url=f"{tool_url}/lti/login",
        launch_url=f"{tool_url}/lti/launch",
        jwks_url=f"{tool_url}/lti/jwks",
        redirect_uris=[f"{tool_url}/lti/launch"],
        deep_link_url=f"{tool_url}/lti/launch",
    )
    tool = platform.tools[client_id]
    with app.app_context():
        get_runtime(app).registry.save_registration(
            issuer=platform.issuer,
            client_id=client_id,
            auth_login_url=platform.url(platform.paths.auth),
            auth_token_url=platform.token_url,
            jwks_url=platform.url(platform.paths.jwks),
            platform_family=flavour,
            granted_scopes=" ".join(tool.scopes),
            deployment_ids=(deployment_id,),
        )
    return client_id, deployment_id


@pytest.fixture
def lms_world(app: Flask, request: pytest.FixtureRequest) -> Iterator[LmsWorld]:
    """Parametrise indirectly with the flavour ("canvas" or "moodle")."""
    flavour: Flavour = getattr(request, "param", "canvas")
    lms = DevLmsServer().start()
    server = ServerThread(app.wsgi_app)
    tool_url = server.start()
    app.config["SETTINGS"].base_url = tool_url
    try:
        client_id, deployment_id = register_in(app, lms, tool_url, flavour)
        yield LmsWorld(app, lms, tool_url, flavour, client_id, deployment_id)
    finally:
        server.stop()
        lms.stop()


class FailNth:
    """WSGI middleware for the devlms: answer the n-th request matching ``match`` with ``status``.

    The devlms stays the real platform; only one chosen request fails, as a
    flaky network or a busy LMS would make it.
    """

    def __init__(
        self, app: Callable[..., Iterable[bytes]], match: Callable[[dict[str, Any]], bool], n: int, status: int
    ):
        self.app, self.match, self.n, self.status = app, match, n, status
        self.seen = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.match(environ):
            self.seen += 1
            if self.seen == self.n:
                start_response(f"{self.status} Injected", [("Content-Type", "text/plain")])
                return [b"injected failure"]
        return self.app(environ, start_response)


def line_item_posts(environ: dict[str, Any]) -> bool:
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/line_items")


def token_posts(environ: dict[str, Any]) -> bool:
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(("/oauth2/token", "/token.php"))


@pytest.fixture
def worker(lms_world: LmsWorld) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the same database and broker as the test app."""
    env = {**os.environ, "SS_BASE_URL": lms_world.tool_url, "PYTHONPATH": str(REPO)}
    log = open(Path(os.environ["SS_INSTANCE_DIR"]) / "worker.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")
