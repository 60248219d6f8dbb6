"""Teacher-area fixtures: platform rows, launches for any role and course, sample rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from publish.e2e import lms_world, worker  # noqa: F401  (fixtures: devlms + tool on loopback, a real worker)

from tool.lti.launch import Launch
from tool.lti.session import start_session

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"

MakeLaunch = Callable[..., str]


@pytest.fixture
def platform(app: Flask) -> dict[str, int]:
    """One registration with one deployment, as the LTI core stores them."""
    from tool.db import session
    from tool.lti.models import Deployment, Registration

    with app.app_context():
        db = session()
        reg = Registration(
            issuer="http://127.0.0.1:9/canvas",
            client_id="client-1",
            auth_login_url="http://127.0.0.1:9/auth",
            auth_token_url="http://127.0.0.1:9/token",
            jwks_url="http://127.0.0.1:9/jwks",
        )
        db.add(reg)
        db.flush()
        dep = Deployment(registration_id=reg.id, deployment_id="dep-1", active=True)
        db.add(dep)
        db.commit()
        return {"registration_id": reg.id, "deployment_pk": dep.id}


@pytest.fixture
def make_launch(app: Flask, platform: dict[str, int]) -> MakeLaunch:
    """Store a launch the way the LTI core does and return its ``lt`` token."""

    def make(role: str = INSTRUCTOR, context_id: str = "course-101", **fields: Any) -> str:
        values: dict[str, Any] = {
            "launch_id": uuid.uuid4().hex,
            "registration_id": platform["registration_id"],
            "deployment_pk": platform["deployment_pk"],
            "issuer": "http://127.0.0.1:9/canvas",
            "client_id": "client-1",
            "deployment_id": "dep-1",
            "message_type": "LtiResourceLinkRequest",
            "user_sub": "teacher-sub-1",
            "roles": (role,),
            "context_id": context_id,
            "context_title": "Year 8 English",
            "user_name": "Tina Teacher",
            "user_given_name": "Tina",
            "user_family_name": "Teacher",
            "user_email": "tina@example.test",
        }
        values.update(fields)
        with app.test_request_context():
            return start_session(Launch(**values))

    return make
