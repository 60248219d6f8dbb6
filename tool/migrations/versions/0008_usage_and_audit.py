"""Token usage per generation attempt (failed ones too) and the audit log (ids only).

Revision ID: 0008_usage_and_audit
Revises: 0007_registration_status
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_usage_and_audit"
down_revision = "0007_registration_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["generation_jobs.id"], name=op.f("fk_llm_usage_job_id_generation_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sequence_id"], ["sequences.id"], name=op.f("fk_llm_usage_sequence_id_sequences"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_usage")),
    )
    op.create_index(op.f("ix_llm_usage_job_id"), "llm_usage", ["job_id"])
    op.create_index(op.f("ix_llm_usage_sequence_id"), "llm_usage", ["sequence_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("deployment_pk", sa.Integer(), nullable=True),
        sa.Column("sequence_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index(op.f("ix_audit_events_deployment_pk"), "audit_events", ["deployment_pk"])
    op.create_index(op.f("ix_audit_events_sequence_id"), "audit_events", ["sequence_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("llm_usage")
