"""A teacher's edit saved while the worker writes a regeneration: both versions kept, none lost.

The race is made deterministic: right after the edit has picked its version number,
another session (standing in for the worker) commits a version with that same number.
The edit must then be stored under the next number, and be the current version.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.teacher.rows import make_sequence
from tool.lti.launch import Launch
from tool.lti.session import start_session
from tool.teacher import queries
from tool.teacher.models import Sequence, SequenceVersion

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture
def scope(app: Flask) -> dict[str, int]:
    from tool.db import session
    from tool.lti.models import Deployment, Registration

    with app.app_context():
        db = session()
        reg = Registration(issuer="http://127.0.0.1:9/canvas", client_id="client-1",
                           auth_login_url="http://127.0.0.1:9/auth", auth_token_url="http://127.0.0.1:9/token",
                           jwks_url="http://127.0.0.1:9/jwks")
        db.add(reg)
        db.flush()
        dep = Deployment(registration_id=reg.id, deployment_id="dep-1", active=True)
        db.add(dep)
        db.commit()
        return {"registration_id": reg.id, "deployment_pk": dep.id}


def _teacher(app: Flask, scope: dict[str, int]) -> str:
    launch = Launch(launch_id=uuid.uuid4().hex, registration_id=scope["registration_id"],
                    deployment_pk=scope["deployment_pk"], issuer="http://127.0.0.1:9/canvas", client_id="client-1",
                    deployment_id="dep-1", message_type="LtiResourceLinkRequest", user_sub="teacher-sub-1",
                    roles=(INSTRUCTOR,), context_id="course-101", user_name="Tina Teacher")
    with app.test_request_context():
        return start_session(launch)


def test_an_edit_racing_the_worker_is_saved_under_the_next_number(app, scope, monkeypatch):
    public_id = make_sequence(app, scope)
    lt = _teacher(app, scope)
    real = queries.next_version_number
    raced: list[int] = []

    def racing(db: Any, sequence: Any) -> int:
        number = real(db, sequence)
        if not raced:  # the worker commits its regeneration under this number, from its own connection
            db.commit()  # (the request's own pending writes would otherwise hold SQLite's single write lock)
            with Session(app.extensions["db_engine"]) as worker:
                previous = worker.scalars(select(SequenceVersion).where(
                    SequenceVersion.sequence_id == sequence.id).order_by(SequenceVersion.number.desc())).first()
                assert previous is not None
                worker.add(SequenceVersion(sequence_id=sequence.id, number=number, content=previous.content,
                                           findings=[], source="generated"))
                worker.commit()
            raced.append(number)
        return number

    monkeypatch.setattr(queries, "next_version_number", racing)
    data = {"lt": lt, "primary_barrier": "Edited while the worker wrote", "starting_point": "Reads to a friend",
            "sequence_strategy": "Small public steps"}
    client = app.test_client()
    response = client.post(f"/teacher/s/{public_id}/edit/diagnostic", data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    with Session(app.extensions["db_engine"]) as db:
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        versions = {v.number: v for v in db.scalars(select(SequenceVersion).where(
            SequenceVersion.sequence_id == row.id))}
    taken = raced[0]
    assert versions[taken].source == "generated"  # the worker's version is kept
    assert versions[taken + 1].content["diagnostic"]["primary_barrier"] == "Edited while the worker wrote"
    assert row.current_version == taken + 1  # and the teacher's edit is the current one
