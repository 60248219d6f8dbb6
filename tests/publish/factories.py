"""Rows and launches for publish/student tests, with text that must never reach a student.

Every teacher-only field carries a marker word (``TEACHERONLY``, ``DIAGNOSTICONLY``,
``WHYONLY``, ``STRUGGLEONLY``) and the avoidance is a distinctive sentence, so a
test can assert on the HTML that none of it leaked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from tool import db
from tool.generation.model import Diagnostic, Phrase, Source, Task
from tool.generation.model import Sequence as Content
from tool.lti.launch import Launch
from tool.lti.models import Deployment, Registration
from tool.lti.session import start_session
from tool.publish import progress, staging
from tool.publish.models import Publication
from tool.teacher.models import Course, Sequence, SequenceVersion, User

AVOIDANCE = "Writes one sentence, rubs it out and puts head on desk"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCOPE = (1, 1, "course-101")
FORBIDDEN = ("TEACHERONLY", "DIAGNOSTICONLY", "WHYONLY", "STRUGGLEONLY", "rubs it out", "head on desk", "avoid")


def content(tasks: int = 5, instructions: bool = True) -> Content:
    return Content(
        title_skill="Extended writing",
        target_skill="Write a developed paragraph",
        current_avoidance=AVOIDANCE,
        student_level="Year 8",
        diagnostic=Diagnostic(
            primary_barrier="DIAGNOSTICONLY mastery experiences are missing",
            starting_point="DIAGNOSTICONLY speaks well",
            sequence_strategy="DIAGNOSTICONLY talk to write",
        ),
        tasks=[
            Task(
                name=f"Task name {n}",
                student_does=f"The student does thing {n}",
                sources=[Source.MASTERY],
                why_it_builds_efficacy=f"WHYONLY reason {n}",
                success_looks_like=f"Success {n}",
                teacher_script=f"TEACHERONLY script {n}: you used the plan",
                if_struggles=f"STRUGGLEONLY adjust {n}",
                student_instructions=(
                    f"Say your idea out loud, then write it down. <b>Step {n}</b>" if instructions else None
                ),
                increment=None if n == 1 else f"one more sentence at {n}",
            )
            for n in range(1, tasks + 1)
        ],
        phrases_to_use=[Phrase(text="You used the plan")],
        phrases_to_avoid=[Phrase(text="You're so clever")],
        long_term_plan="Keep the verbal plan.",
    )


@dataclass
class World:
    course_id: int
    teacher_id: int
    student_id: int
    sequence_id: int
    sequence_public_id: str


def _platforms(s: Session) -> None:
    """Registrations 1 and 2, each with deployments (pk 1, 2 on the first; 3 on the second)."""
    for n in (1, 2):
        s.add(
            Registration(
                id=n,
                issuer=f"http://127.0.0.1/p{n}",
                client_id=f"client-{n}",
                auth_login_url="http://127.0.0.1/auth",
                auth_token_url="http://127.0.0.1/token",
                jwks_url="http://127.0.0.1/jwks",
                platform_family="moodle",
            )
        )
    s.flush()
    s.add_all(
        [
            Deployment(id=1, registration_id=1, deployment_id="1", active=True),
            Deployment(id=2, registration_id=1, deployment_id="2", active=True),
            Deployment(id=3, registration_id=2, deployment_id="1", active=True),
        ]
    )
    s.flush()


def make_world(app: Flask, *, tasks: int = 5, instructions: bool = True, student_sub: str = "4") -> World:
    with app.app_context(), db.transaction() as s:
        _platforms(s)
        course = Course(registration_id=SCOPE[0], deployment_pk=SCOPE[1], context_id=SCOPE[2], title="Year 8 English")
        teacher = User(registration_id=SCOPE[0], sub="3", display_name="Tina Teacher")
        student = User(registration_id=SCOPE[0], sub=student_sub, display_name="Sam Student")
        s.add_all([course, teacher, student])
        s.flush()
        seq = Sequence(
            course_id=course.id,
            created_by_id=teacher.id,
            target_user_id=student.id,
            inputs={
                "target_skill": "Write a developed paragraph",
                "student_level": "Year 8",
                "current_avoidance": AVOIDANCE,
            },
            status="ready",
            current_version=1,
        )
        s.add(seq)
        s.flush()
        s.add(
            SequenceVersion(
                sequence_id=seq.id,
                number=1,
                content=content(tasks, instructions).model_dump(mode="json"),
                source="generated",
            )
        )
        s.flush()
        return World(course.id, teacher.id, student.id, seq.id, seq.public_id)


def publish(app: Flask, world: World, plan: staging.ReleasePlan | None = None, method: str = "deep_link") -> list[str]:
    """Publish directly (no LMS) and return the step public ids in order."""
    with app.app_context(), db.transaction() as s:
        seq = s.get(Sequence, world.sequence_id)
        assert seq is not None
        version = s.query(SequenceVersion).filter_by(sequence_id=seq.id, number=1).one()
        pub = progress.ensure_publication(
            s,
            seq,
            Content.model_validate(version.content),
            plan or staging.ReleasePlan(staging.ReleaseMode.MASTERY),
            method=method,
            registration_id=SCOPE[0],
            deployment_pk=SCOPE[1],
            context_id=SCOPE[2],
            platform_family="moodle",
            lineitems_url=None,
        )
        return [step.public_id for step in pub.steps]


def launch_token(
    app: Flask, sub: str, roles: tuple[str, ...] = (LEARNER,), scope: tuple[int, int, str] = SCOPE, **extra: object
) -> str:
    launch = Launch(
        launch_id=uuid.uuid4().hex,
        registration_id=scope[0],
        deployment_pk=scope[1],
        issuer="http://127.0.0.1/moodle",
        client_id="client",
        deployment_id="1",
        message_type="LtiResourceLinkRequest",
        user_sub=sub,
        roles=roles,
        context_id=scope[2],
        **extra,  # type: ignore[arg-type]
    )
    with app.test_request_context():
        return start_session(launch)


def publication(app: Flask, world: World) -> Publication:
    with app.app_context():
        pub = progress.get_publication(db.session(), world.sequence_id)
        assert pub is not None
        return pub
