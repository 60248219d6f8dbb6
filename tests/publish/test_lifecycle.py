"""The lifecycle module's rules, the database's check constraints, and the migration of old rows."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from config.settings import Settings
from publish.factories import make_world, publish
from tool import db
from tool.publish import lifecycle, progress
from tool.publish.lifecycle import Confirmation, PublicationState, ScoreStatus, SyncStatus
from tool.publish.models import Publication, StepProgress


def _publication(app: Flask) -> Publication:
    world = make_world(app)
    publish(app, world)
    with app.app_context():
        found = progress.get_publication(db.session(), world.sequence_id)
        assert found is not None
        return found


def test_deep_linking_goes_sent_then_confirmed_by_the_first_proof_only(app: Flask) -> None:
    with app.app_context():
        publication = _publication(app)
        assert publication.state == "draft" and publication.sync_status == "idle"
        lifecycle.sent_by_deep_link(publication, publication.steps[:2])
        assert publication.state == "sent" and publication.sent_at is not None
        assert [s.sent_at is not None for s in publication.steps] == [True, True, False, False, False]
        assert lifecycle.confirm(publication, Confirmation.LAUNCH) is True
        first = publication.confirmed_at
        assert lifecycle.confirm(publication, Confirmation.TEACHER) is False  # the first proof wins
        assert publication.confirmed_by == "launch" and publication.confirmed_at == first
        lifecycle.sent_by_deep_link(publication, publication.steps[2:])  # a later new step: still confirmed
        assert publication.state == "confirmed"


def test_moving_to_a_new_version_updates_only_what_is_in_the_course(app: Flask) -> None:
    with app.app_context():
        publication = _publication(app)
        lifecycle.sent_by_deep_link(publication, publication.steps)
        assert lifecycle.move_to_version(publication, 2) is True
        assert publication.state == "sent" and publication.version_number == 2  # unconfirmed stays unconfirmed
        lifecycle.confirm(publication, Confirmation.LINE_ITEMS)
        assert lifecycle.move_to_version(publication, 2) is False
        assert lifecycle.move_to_version(publication, 3) is True and publication.state == "updated"
        lifecycle.withdraw(publication)
        assert publication.state == "withdrawn"
        lifecycle.reopen(publication)
        assert publication.state == "updated"


def test_an_ags_job_confirms_when_every_item_exists_and_a_failure_keeps_the_reason(app: Flask) -> None:
    with app.app_context():
        publication = _publication(app)
        lifecycle.queue_sync(publication)
        assert lifecycle.sync_of(publication) is SyncStatus.QUEUED and lifecycle.sync_of(publication).busy
        lifecycle.sync_started(publication)
        lifecycle.sync_failed(publication, "The course platform refused Stepping Stones.")
        assert publication.state == "draft" and publication.last_error and publication.attempts == 1
        lifecycle.queue_sync(publication)
        assert publication.last_error is None
        lifecycle.sync_done(publication)
        assert lifecycle.state_of(publication) is PublicationState.CONFIRMED
        assert publication.confirmed_by == "line_items"


def test_a_launch_records_the_copy_opened_and_keeps_the_first_recorded_item(app: Flask) -> None:
    with app.app_context():
        publication = _publication(app)
        step = publication.steps[0]
        lifecycle.record_launch(publication, step, "http://lms/items/1")
        assert step.line_item_url == step.launched_line_item_url == "http://lms/items/1"
        lifecycle.record_launch(publication, step, "http://lms/items/9")  # a duplicated copy
        assert step.line_item_url == "http://lms/items/1" and step.launched_line_item_url == "http://lms/items/9"
        assert publication.state == "confirmed"


def test_the_database_refuses_states_outside_the_lifecycle(app: Flask) -> None:
    with app.app_context():
        publication = _publication(app)
        session = db.session()
        for column, value in (("state", "published"), ("sync_status", "pending")):
            with pytest.raises(IntegrityError):
                sql = text(f"UPDATE publications SET {column} = :v WHERE id = :id")  # noqa: S608 - fixed names
                session.execute(sql, {"v": value, "id": publication.id})
            session.rollback()
        record = StepProgress(step_id=publication.steps[0].id, score_status="lost", score_attempts=0)
        session.add(record)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        assert {s.value for s in ScoreStatus} == {"none", "pending", "posted", "failed", "gone"}


def test_migration_maps_old_publication_statuses_to_lifecycle_states(settings: Settings) -> None:
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings, TESTING=True)
    try:
        upgrade_schema(app, "0004_publish")
        now = datetime(2026, 3, 1, 9, 0)
        with app.app_context(), db.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO lti_registrations (id, issuer, client_id, name, auth_login_url, auth_token_url, "
                    "jwks_url, platform_family, granted_scopes, created_at) "
                    "VALUES (1, 'http://lms', 'c1', 'LMS', 'http://lms/a', 'http://lms/t', 'http://lms/j', "
                    "'moodle', '', :now)"
                ),
                {"now": now},
            )
            s.execute(
                text(
                    "INSERT INTO lti_deployments (id, registration_id, deployment_id, active, created_at) "
                    "VALUES (1, 1, '1', true, :now)"
                ),
                {"now": now},
            )
            s.execute(
                text(
                    "INSERT INTO courses (id, registration_id, deployment_pk, context_id, title, created_at) "
                    "VALUES (1, 1, 1, 'c', 'Course', :now)"
                ),
                {"now": now},
            )
            s.execute(
                text(
                    "INSERT INTO users (id, registration_id, sub, display_name, updated_at) "
                    "VALUES (1, 1, '3', 'T', :now)"
                ),
                {"now": now},
            )
            rows = [
                (1, "ags", "published", None),
                (2, "ags", "failed", None),
                (3, "deep_link", "published", None),  # nobody launched: only sent
                (4, "deep_link", "published", "http://lms/items/4"),  # a launch recorded a grade item
                (5, "ags", "publishing", None),
            ]
            for pk, method, status, line_item in rows:
                s.execute(
                    text(
                        "INSERT INTO sequences (id, public_id, course_id, created_by_id, inputs, status, "
                        "created_at, updated_at) VALUES (:id, :pid, 1, 1, '{}', 'ready', :now, :now)"
                    ),
                    {"id": pk, "pid": f"sq{pk}", "now": now},
                )
                s.execute(
                    text(
                        "INSERT INTO publications (id, sequence_id, version_number, method, status, release_mode, "
                        "spacing_days, timezone, registration_id, deployment_pk, context_id, attempts, created_at, "
                        "updated_at, published_at) VALUES (:id, :id, 1, :m, :st, 'mastery', 3, 'UTC', 1, 1, 'c', 1, "
                        ":now, :now, :now)"
                    ),
                    {"id": pk, "m": method, "st": status, "now": now},
                )
                s.execute(
                    text(
                        'INSERT INTO published_steps (publication_id, "index", public_id, resource_id, '
                        "line_item_url, created_at) VALUES (:id, 0, :pid, 'r', :url, :now)"
                    ),
                    {"id": pk, "pid": f"st{pk}", "url": line_item, "now": now},
                )
        upgrade_schema(app, "0005_publication_lifecycle")
        with app.app_context():
            session = db.session()
            got = session.execute(text("SELECT id, state, sync_status FROM publications ORDER BY id")).all()
            if session.bind is not None and session.bind.dialect.name == "sqlite":  # the rebuilt tables still hold
                assert session.execute(text("PRAGMA foreign_key_check")).all() == []
                assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert [tuple(row) for row in got] == [
            (1, "confirmed", "done"),
            (2, "draft", "failed"),
            (3, "sent", "idle"),
            (4, "confirmed", "idle"),
            (5, "draft", "running"),
        ]
        # ... and the later migrations that rebuild tables with children (sequences) keep every row.
        upgrade_schema(app)
        with app.app_context():
            session = db.session()
            assert session.execute(text("SELECT count(*) FROM publications")).scalar() == 5
            assert session.execute(text("SELECT count(*) FROM sequences")).scalar() == 5
            if session.bind is not None and session.bind.dialect.name == "sqlite":
                assert session.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        app.extensions["db_engine"].dispose()


def test_a_step_is_never_open_while_the_course_has_no_activity_for_it():
    from tool.publish.blueprint import step_label
    from tool.publish.lifecycle import PublicationState
    from tool.publish.staging import StepState

    assert step_label(StepState.OPEN, PublicationState.DRAFT) == "Not in the course yet"
    assert step_label(StepState.OPEN, PublicationState.WITHDRAWN) == "Hidden from the student"
    assert step_label(StepState.OPEN, PublicationState.CONFIRMED) == "Open"
    assert step_label(StepState.SUCCEEDED, PublicationState.DRAFT) == "Succeeded"
