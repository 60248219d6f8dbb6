"""Regression: a Turkish label typed in capitals made the new-sequence form answer HTTP 500."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.teacher.conftest import MakeLaunch
from tool.db import session
from tool.privacy.text import fold
from tool.teacher.models import GenerationJob, Sequence


def test_kivanc_in_capitals_is_redacted_and_the_job_is_queued(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    response = client.post(
        "/teacher/new",
        data={
            "lt": lt,
            "target_label": "Kıvanç",
            "target_skill": "Reading aloud to the class",
            "student_level": "Year 8",
            "current_avoidance": (
                "KIVANÇ asks to go to the toilet whenever it is Kıvanç's turn; kivanc's sister Ayşe says so."
            ),
            "subject_area": "English",
            "student_profile": "",
            "previous_attempts": "",
            "student_strengths": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        row = session().scalars(select(Sequence)).one()
        job = session().scalars(select(GenerationJob)).one()
        assert row.inputs["current_avoidance"].startswith("KIVANÇ asks")  # the teacher's input is kept as typed
        sent = job.payload["request"]["current_avoidance"]
        assert "kivanc" not in fold(sent)
        assert sent.startswith("The student asks to go to the toilet whenever it is the student's turn")
        assert job.status == "queued"
        assert job.redactions["the student"] == "Kıvanç"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
