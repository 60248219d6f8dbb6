"""The review page shows the sequence's AI use and links to the preview; views and edits are audited (ids only)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.teacher.conftest import MakeLaunch
from tests.teacher.rows import make_sequence
from tool.db import session
from tool.generation.model import Usage
from tool.generation.usage_ledger import record_attempt
from tool.privacy.audit import events
from tool.teacher.models import GenerationJob, Sequence


def test_usage_line_preview_link_and_audit(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        job = GenerationJob(sequence_id=row.id, kind="full", status="failed", payload={}, redactions={})
        db.add(job)
        db.flush()
        record_attempt(db, job.id, row.id, "failed", Usage(prompt_tokens=1800, cached_tokens=1024), "m")
        record_attempt(db, job.id, row.id, "ready", Usage(prompt_tokens=1900, completion_tokens=650), "m")
        db.commit()
        sequence_id = row.id
    lt = make_launch()
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": lt}).get_data(as_text=True)
    assert "AI use for this sequence: 2 writing runs (1 did not finish), 3700 tokens read (1024" in html
    assert f"/teacher/s/{public_id}/preview?lt=" in html
    saved = client.post(
        f"/teacher/s/{public_id}/edit/plan", data={"lt": lt, "long_term_plan": "Keep going.", "cautions": ""}
    )
    assert saved.status_code == 302
    with app.app_context():
        log = events(session(), sequence_id=sequence_id)
        assert [e.action for e in log] == ["changed", "viewed"]
        assert all(isinstance(e.actor_id, int) for e in log)


def test_exporting_the_guide_is_audited(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    assert client.get(f"/teacher/s/{public_id}/export.md", query_string={"lt": lt}).status_code == 200
    with app.app_context():
        row = session().scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        assert [e.action for e in events(session(), sequence_id=row.id)] == ["exported"]


def test_publishing_is_audited(app: Flask) -> None:
    from publish.factories import INSTRUCTOR, launch_token, make_world

    # No broker: the publication is saved (and audited) and the teacher is offered a retry.
    app.extensions["celery"].conf.broker_url = "sqla+sqlite:////nonexistent-dir-for-test/broker.sqlite"
    world = make_world(app)
    token = launch_token(
        app,
        "3",
        roles=(INSTRUCTOR,),
        platform_family="canvas",
        ags_lineitems_url="http://127.0.0.1:9/line_items",
        ags_scopes=("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",),
    )
    sent = app.test_client().post(
        f"/teacher/sequences/{world.sequence_public_id}/publish", data={"lt": token, "mode": "mastery"}
    )
    assert sent.status_code == 303
    with app.app_context():
        assert [e.action for e in events(session(), sequence_id=world.sequence_id)] == ["published"]
