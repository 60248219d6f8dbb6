"""Publication lifecycle: typed states with check constraints, neutral set names, score attempts.

``publications.status`` (pending/publishing/published/failed) mixed the AGS job with
what the LMS holds; it becomes ``sync_status`` (the job) next to ``state`` (the
lifecycle, see ``tool.publish.lifecycle``). Deep-linked publications that no launch
has confirmed become ``sent``: the tool never knew whether the teacher pressed Save.

Revision ID: 0005_publication_lifecycle
Revises: 0004_publish
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_publication_lifecycle"
down_revision = "0004_publish"
branch_labels = None
depends_on = None

STATES = "('draft', 'sent', 'confirmed', 'updated', 'withdrawn')"
SYNC = "('idle', 'queued', 'running', 'done', 'failed')"
SCORES = "('none', 'pending', 'posted', 'failed', 'gone')"


def upgrade() -> None:
    # SQLite rebuilds tables here; tool/migrations/env.py switches its foreign keys off around the run.
    _upgrade()


def downgrade() -> None:
    _downgrade()


def _upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.alter_column("status", new_column_name="sync_status", existing_type=sa.String(16))
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("set_name", sa.String(24), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.String(16), nullable=True))
        batch.add_column(sa.Column("version_published_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("published_steps") as batch:
        batch.add_column(sa.Column("launched_line_item_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("step_progress") as batch:
        batch.add_column(sa.Column("score_last_attempt_at", sa.DateTime(), nullable=True))

    op.execute(
        "UPDATE publications SET state = CASE "
        "WHEN method = 'ags' AND sync_status = 'published' THEN 'confirmed' "
        "WHEN method = 'deep_link' AND EXISTS (SELECT 1 FROM published_steps s "
        "WHERE s.publication_id = publications.id AND s.line_item_url IS NOT NULL) THEN 'confirmed' "
        "WHEN method = 'deep_link' AND sync_status = 'published' THEN 'sent' "
        "ELSE 'draft' END"
    )
    op.execute("UPDATE publications SET sent_at = published_at WHERE method = 'deep_link'")
    op.execute("UPDATE publications SET confirmed_at = published_at WHERE state = 'confirmed'")
    op.execute(
        "UPDATE publications SET sync_status = CASE "
        "WHEN method = 'deep_link' THEN 'idle' "
        "WHEN sync_status = 'pending' THEN 'queued' "
        "WHEN sync_status = 'publishing' THEN 'running' "
        "WHEN sync_status = 'published' THEN 'done' "
        "ELSE 'failed' END"
    )
    op.execute(
        "UPDATE published_steps SET sent_at = created_at WHERE publication_id IN "
        "(SELECT id FROM publications WHERE method = 'deep_link')"
    )
    with op.batch_alter_table("publications") as batch:
        batch.create_check_constraint(op.f("ck_publications_state"), f"state IN {STATES}")
        batch.create_check_constraint(op.f("ck_publications_sync_status"), f"sync_status IN {SYNC}")
    with op.batch_alter_table("step_progress") as batch:
        batch.create_check_constraint(op.f("ck_step_progress_score_status"), f"score_status IN {SCORES}")


def _downgrade() -> None:
    with op.batch_alter_table("step_progress") as batch:
        batch.drop_constraint(op.f("ck_step_progress_score_status"), type_="check")
        batch.drop_column("score_last_attempt_at")
    op.execute("UPDATE step_progress SET score_status = 'failed' WHERE score_status = 'gone'")
    with op.batch_alter_table("published_steps") as batch:
        batch.drop_column("sent_at")
        batch.drop_column("launched_line_item_url")
    op.execute(
        "UPDATE publications SET sync_status = CASE "
        "WHEN state IN ('sent', 'confirmed', 'updated') THEN 'published' "
        "WHEN sync_status = 'queued' THEN 'pending' "
        "WHEN sync_status = 'running' THEN 'publishing' "
        "WHEN sync_status = 'failed' THEN 'failed' ELSE 'pending' END"
    )
    with op.batch_alter_table("publications") as batch:
        batch.drop_constraint(op.f("ck_publications_state"), type_="check")
        batch.drop_constraint(op.f("ck_publications_sync_status"), type_="check")
        for column in ("version_published_at", "confirmed_by", "confirmed_at", "sent_at", "set_name", "state"):
            batch.drop_column(column)
        batch.alter_column("sync_status", new_column_name="status", existing_type=sa.String(16))
