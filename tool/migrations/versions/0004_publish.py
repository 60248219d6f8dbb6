"""Publishing: publications, published steps, step progress and step history.

Revision ID: 0004_publish
Revises: 0003_teacher
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_publish"
down_revision = "0003_teacher"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("release_mode", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("spacing_days", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_pk", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("platform_family", sa.String(32), nullable=True),
        sa.Column("lineitems_url", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sequence_id"], ["sequences.id"], name=op.f("fk_publications_sequence_id_sequences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("sequence_id", name=op.f("uq_publications_sequence_id")),
    )
    op.create_table(
        "published_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(120), nullable=False),
        sa.Column("line_item_url", sa.Text(), nullable=True),
        sa.Column("line_item_recorded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_published_steps_publication_id_publications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_steps")),
        sa.UniqueConstraint("publication_id", "index", name=op.f("uq_published_steps_publication_id_index")),
        sa.UniqueConstraint("public_id", name=op.f("uq_published_steps_public_id")),
    )
    op.create_index(op.f("ix_published_steps_publication_id"), "published_steps", ["publication_id"])
    op.create_table(
        "step_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("response_text", sa.Text(), nullable=True),
        sa.Column("response_kind", sa.String(16), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(), nullable=True),
        sa.Column("success_note", sa.Text(), nullable=True),
        sa.Column("adjusted_at", sa.DateTime(), nullable=True),
        sa.Column("adjustment_note", sa.Text(), nullable=True),
        sa.Column("score_status", sa.String(16), nullable=False),
        sa.Column("score_attempts", sa.Integer(), nullable=False),
        sa.Column("score_error", sa.Text(), nullable=True),
        sa.Column("score_posted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["step_id"], ["published_steps.id"], name=op.f("fk_step_progress_step_id_published_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_progress")),
        sa.UniqueConstraint("step_id", name=op.f("uq_step_progress_step_id")),
    )
    op.create_table(
        "step_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("actor_sub", sa.String(255), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"], ["published_steps.id"], name=op.f("fk_step_events_step_id_published_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_events")),
    )
    op.create_index(op.f("ix_step_events_step_id"), "step_events", ["step_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_step_events_step_id"), table_name="step_events")
    op.drop_table("step_events")
    op.drop_table("step_progress")
    op.drop_index(op.f("ix_published_steps_publication_id"), table_name="published_steps")
    op.drop_table("published_steps")
    op.drop_table("publications")
