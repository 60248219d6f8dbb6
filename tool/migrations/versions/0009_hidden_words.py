"""Words a teacher chose to hide from the AI provider, kept per sequence.

Revision ID: 0009_hidden_words
Revises: 0008_usage_and_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_hidden_words"
down_revision = "0008_usage_and_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_hidden_words",
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["sequences.id"],
            name=op.f("fk_privacy_hidden_words_sequence_id_sequences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sequence_id", name=op.f("pk_privacy_hidden_words")),
    )


def downgrade() -> None:
    op.drop_table("privacy_hidden_words")
