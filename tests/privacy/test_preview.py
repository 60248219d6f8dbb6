"""The preview shows exactly what leaves, and the words a teacher hides there stay hidden."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.teacher.conftest import MakeLaunch
from tests.teacher.rows import make_sequence
from tool.db import session
from tool.privacy.choices import hidden_words
from tool.teacher.models import GenerationJob, Sequence

FORM = {
    "target_label": "Amira",
    "target_sub": "",
    "target_skill": "Reading aloud to the class",
    "student_level": "Year 8",
    "current_avoidance": (
        "Amira asks to see Mrs Okafor when Tina says it is her turn; she practises at Riverside Boxing Club."
    ),
    "subject_area": "English",
    "student_profile": "Her brother Kemal helps at home. Write to amira@home.test.",
    "previous_attempts": "",
    "student_strengths": "",
    "ladder_family": "",
}


def test_a_new_request_previews_what_leaves_and_the_choice_reaches_the_job(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    page = client.post("/teacher/preview", data={**FORM, "lt": lt, "hide": "Riverside Boxing Club"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<mark class="swap" title="“Amira” — the student this sequence is for">The student</mark>' in html
    assert "“Kemal” — looks like a person" in html and "“amira@home.test” — an e-mail address" in html
    assert "“Riverside Boxing Club” — you chose to hide it" in html
    assert "“Tina” — you" in html and "“Okafor” — looks like a person" in html
    with app.app_context():
        assert session().scalars(select(Sequence)).all() == []  # nothing saved or sent by a preview

    sent = client.post("/teacher/preview", data={**FORM, "lt": lt, "hide": "Riverside Boxing Club", "send": "1"})
    assert sent.status_code == 307 and sent.headers["Location"].startswith("/teacher/new")
    created = client.post(sent.headers["Location"], data={**FORM, "lt": lt, "hide": "Riverside Boxing Club"})
    assert created.status_code == 302
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence)).one()
        job = db.scalars(select(GenerationJob)).one()
        assert hidden_words(db, row.id) == ["Riverside Boxing Club"]
        avoidance = job.payload["request"]["current_avoidance"]
        assert "Riverside" not in avoidance and "[hidden]" in avoidance and "Amira" not in avoidance


def test_words_hidden_for_a_sequence_are_kept_for_its_rewrites(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    saved = client.post(f"/teacher/s/{public_id}/preview", data={"lt": lt, "hide": "library, Mental arithmetic"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved." in page and "[hidden]" in page
    client.post(f"/teacher/s/{public_id}/regenerate", data={"lt": lt})
    with app.app_context():
        job = session().scalars(select(GenerationJob)).one()
        sent = " ".join(str(v) for v in job.payload["request"].values())
        assert "library" not in sent and "Mental arithmetic" not in sent.lower().title()
        assert job.payload["hidden_words"] == ["library", "Mental arithmetic"]


def test_another_course_cannot_preview_a_sequence(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    other = make_launch(context_id="course-999")
    assert client.get(f"/teacher/s/{public_id}/preview", query_string={"lt": other}).status_code == 404


def test_a_sequence_with_incomplete_stored_inputs_still_previews(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    """Inputs stored before a field became required must not turn the preview into a server error."""
    public_id = make_sequence(app, platform)
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        row.inputs = {"target_skill": "Reading aloud to the class", "student_level": 9}
        db.commit()
    page = client.get(f"/teacher/s/{public_id}/preview", query_string={"lt": make_launch()})
    assert page.status_code == 200
    assert "Reading aloud to the class" in page.get_data(as_text=True)
